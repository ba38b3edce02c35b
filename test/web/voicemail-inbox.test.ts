// The inbox's logic without a browser: a server without the voicemail route
// (404) is an empty inbox, not an error; newest first; the focus target
// after a delete; lengths as players and screen readers say them.
import { describe, expect, it } from 'vitest';
import { ApiError, type VoicemailItem } from '../../web/src/api.ts';
import { afterDelete, formatDuration, inboxStateOf, inboxStateOfError, spokenDuration, transcriptCaption, unheardCount, withHeard, without } from '../../web/src/voicemail-inbox.ts';

const vm = (id: string, receivedAt: string, heard = false): VoicemailItem => ({ id, extension: '101', receivedAt, durationMs: 12_000, heard, partial: false, transcript: null, breakGlassUntil: null });
const describeError = (e: unknown) => (e instanceof Error ? e.message : 'unreachable');

describe('voicemail inbox state', () => {
  it('treats a 404 of the whole route as an inbox this server does not offer yet', () => {
    expect(inboxStateOfError(new ApiError(404, 'NOT_FOUND', 'route not found'), describeError)).toEqual({ kind: 'unavailable' });
  });

  it('reports other failures in words', () => {
    expect(inboxStateOfError(new ApiError(403, 'FORBIDDEN', 'not your box'), describeError)).toEqual({ kind: 'failed', message: 'not your box' });
    expect(inboxStateOfError(new TypeError('fetch failed'), () => 'Sotto could not be reached.')).toEqual({ kind: 'failed', message: 'Sotto could not be reached.' });
  });

  it('lists the newest message first', () => {
    const s = inboxStateOf({ items: [vm('a', '2026-11-27T09:00:00Z'), vm('c', '2026-11-28T08:00:00Z'), vm('b', '2026-11-27T17:30:00Z')] });
    expect(s.kind === 'ready' && s.items.map((v) => v.id)).toEqual(['c', 'b', 'a']);
  });

  it('marks one message heard and removes one, leaving the others as they were', () => {
    const items = [vm('a', '2026-11-28T08:00:00Z'), vm('b', '2026-11-27T08:00:00Z', true), vm('c', '2026-11-26T08:00:00Z')];
    expect(unheardCount(items)).toBe(2);
    const heard = withHeard(items, 'a');
    expect(heard.map((v) => v.heard)).toEqual([true, true, false]);
    expect(items[0]!.heard).toBe(false);
    expect(without(items, 'b').map((v) => v.id)).toEqual(['a', 'c']);
  });

  it('lands on the next message after a delete, else the one before, else none', () => {
    const items = [vm('a', '2026-11-28T08:00:00Z'), vm('b', '2026-11-27T08:00:00Z'), vm('c', '2026-11-26T08:00:00Z')];
    expect(afterDelete(items, 'a')).toBe('b');
    expect(afterDelete(items, 'c')).toBe('b');
    expect(afterDelete([items[0]!], 'a')).toBeNull();
    expect(afterDelete(items, 'gone')).toBeNull();
  });
});

describe('voicemail wording', () => {
  it('shows lengths the way players do', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_400)).toBe('0:07');
    expect(formatDuration(165_000)).toBe('2:45');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });

  it('says lengths in words for screen readers', () => {
    expect(spokenDuration(1_000)).toBe('1 second');
    expect(spokenDuration(60_000)).toBe('1 minute');
    expect(spokenDuration(165_000)).toBe('2 minutes 45 seconds');
    expect(spokenDuration(0)).toBe('0 seconds');
  });

  it('names the engine and tells the reader to check the recording (the page adds the "Machine draft" badge)', () => {
    expect(transcriptCaption({ text: 'please call back', engine: 'whisper.cpp base.en' })).toBe(
      'Transcribed on this server by whisper.cpp base.en. It can mishear names, numbers and medicines: check it against the recording before acting on it.',
    );
  });
});
