import { describe, expect, it } from 'vitest';
import type { DtmfNotice } from './control-messages.ts';
import { DtmfListeners } from './dtmf-listeners.ts';

const key = (legId: string, digit: string, source: DtmfNotice['source']): DtmfNotice => ({ callId: 'c1', legId, digit, source, durationMs: 100 });

describe('DtmfListeners', () => {
  it('per leg, listens to the way the first key came by and drops the other way (a phone sending each key twice)', () => {
    const l = new DtmfListeners();
    const heard: string[] = [];
    l.add('c1', (n) => heard.push(`${n.legId}:${n.digit}:${n.source}`));
    l.report(key('a', '1', 'sip-info'));
    l.report(key('a', '1', 'rfc4733'));
    l.report(key('a', '2', 'rfc4733'));
    l.report(key('a', '2', 'sip-info'));
    // The other leg has a way of its own.
    l.report(key('b', '9', 'rfc4733'));
    l.report(key('b', '9', 'sip-info'));
    expect(heard).toEqual(['a:1:sip-info', 'a:2:sip-info', 'b:9:rfc4733']);
  });

  it('counts in-band tones as the media way, and forgets a deleted call', () => {
    const l = new DtmfListeners();
    const heard: string[] = [];
    const stop = l.add('c1', (n) => heard.push(n.digit));
    l.report(key('a', '3', 'inband'));
    l.report(key('a', '3', 'sip-info'));
    l.report(key('a', '4', 'rfc4733'));
    stop();
    l.report(key('a', '5', 'rfc4733'));
    l.delete('c1');
    // A notice trailing the call's end is not kept.
    l.report(key('a', '7', 'rfc4733'));
    l.add('c1', (n) => heard.push(n.digit));
    l.report(key('a', '6', 'sip-info'));
    expect(heard).toEqual(['3', '4', '6']);
  });
});
