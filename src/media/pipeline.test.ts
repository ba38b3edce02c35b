// The media pieces together, the way a recording leg uses them: a phone's
// 1 kHz tone, G.711-coded, packetised, SRTP-protected, delivered out of
// order with a loss and a duplicate, then unprotected, parsed, de-jittered,
// decoded and written to WAV. What arrives must still be "a 1 kHz tone for
// about two seconds", and the keys pressed in between must come out once.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AES_CM_128_HMAC_SHA1_80,
  answerAudioOffer,
  bytesToPcm16,
  concatPcm,
  createAudioOffer,
  decodeG711,
  detectToneSegments,
  dominantFrequency,
  encodeUlaw,
  generateTone,
  JitterBuffer,
  parseRtpPacket,
  parseWav,
  pcm16ToBytes,
  readAudioAnswer,
  serializeRtpPacket,
  SrtpSession,
  TelephoneEventReceiver,
  telephoneEventTrain,
  writeWav,
  type SdesKey,
} from './index.ts';

describe('media pipeline', () => {
  it('carries a tone and a key press from an SRTP peer into a WAV recording', () => {
    // Negotiate: we offer SRTP; the "phone" answers with its own key.
    const ourKeys: SdesKey[] = [{ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: randomBytes(30) }];
    const offer = createAudioOffer({
      identity: { sessionId: '1', sessionVersion: '1' },
      endpoint: { address: '203.0.113.5', port: 20000 },
      codecs: ['PCMU', 'PCMA'],
      telephoneEventPayloadType: 101,
      srtpKeys: ourKeys,
    });
    const phoneKey = randomBytes(30);
    const answered = answerAudioOffer(offer, {
      identity: { sessionId: '2', sessionVersion: '1' },
      endpoint: { address: '192.0.2.10', port: 11780 },
      codecs: ['PCMU'],
      telephoneEvents: true,
      srtp: { required: true, suites: ['AES_CM_128_HMAC_SHA1_80'], newKey: () => phoneKey },
    });
    if (!answered.ok) throw new Error(answered.error.code);
    const ours = readAudioAnswer(offer, answered.value.answer, ourKeys);
    if (!ours.ok || !ours.value.srtp) throw new Error('negotiation failed');
    const { payloadType, telephoneEventPayloadType } = ours.value;
    expect([ours.value.codec, telephoneEventPayloadType]).toEqual(['PCMU', 101]);

    // The phone sends 0.3 s of silence, 2 s of 1 kHz, 0.5 s of silence, and presses 5 at 2.5 s.
    const phoneTx = new SrtpSession({
      suite: AES_CM_128_HMAC_SHA1_80,
      masterKey: phoneKey.subarray(0, 16),
      masterSalt: phoneKey.subarray(16),
    });
    const audio = encodeUlaw(concatPcm([new Int16Array(2400), generateTone([1000], 2000, { amplitude: 10000 }), new Int16Array(4000)]));
    const wire: { atMs: number; bytes: Buffer }[] = [];
    let seq = 40000;
    for (let i = 0; i * 160 < audio.length; i++) {
      const packet = serializeRtpPacket({
        marker: i === 0, payloadType, sequenceNumber: seq++ & 0xffff, timestamp: 1000 + i * 160, ssrc: 0xabc,
        csrc: [], paddingLength: 0, payload: audio.subarray(i * 160, (i + 1) * 160),
      });
      const p = phoneTx.protectRtp(packet);
      if (!p.ok) throw new Error(p.error.code);
      wire.push({ atMs: i * 20, bytes: p.value });
    }
    for (const s of telephoneEventTrain({
      digit: '5', durationMs: 120, payloadType: telephoneEventPayloadType!, ssrc: 0xabc, firstSequenceNumber: seq, timestamp: 1000 + 20000,
    })) {
      const p = phoneTx.protectRtp(serializeRtpPacket(s.packet));
      if (!p.ok) throw new Error(p.error.code);
      wire.push({ atMs: 2500 + s.sendAtMs, bytes: p.value });
    }
    // The network: packet 30 lost, 50/51 swapped, 70 duplicated, a 15 ms wobble on every 7th.
    const arrivals = wire
      .filter((_, i) => i !== 30)
      .map((w, i) => ({ ...w, atMs: w.atMs + (i % 7 === 0 ? 15 : 0) + (i === 50 ? 25 : 0) }));
    arrivals.push({ ...arrivals[70]!, atMs: arrivals[70]!.atMs + 5 });
    arrivals.sort((a, b) => a.atMs - b.atMs);

    // Sotto's side: unprotect with the phone's key, split audio from events, de-jitter, record.
    const rx = new SrtpSession({
      suite: ours.value.srtp.suite,
      masterKey: ours.value.srtp.remoteKeySalt.subarray(0, 16),
      masterSalt: ours.value.srtp.remoteKeySalt.subarray(16),
    });
    let now = 0;
    const jb = new JitterBuffer({ clock: { now: () => now }, law: 'pcmu' });
    const events = new TelephoneEventReceiver();
    const digits: string[] = [];
    const recorded: Buffer[] = [];
    const refused: string[] = [];
    let next = 0;
    for (now = 0; now < 3400; now++) {
      while (next < arrivals.length && arrivals[next]!.atMs <= now) {
        const clear = rx.unprotectRtp(arrivals[next++]!.bytes);
        if (!clear.ok) {
          refused.push(clear.error.code);
          continue;
        }
        const p = parseRtpPacket(clear.value);
        if (!p.ok) throw new Error(p.error.code);
        if (p.value.payloadType === telephoneEventPayloadType) {
          for (const e of events.receive(p.value)) digits.push(e.digit!);
        } else {
          jb.push(p.value);
        }
      }
      if (now % 20 === 0) recorded.push(jb.pull().payload);
    }
    expect(refused).toEqual(['SRTP_REPLAYED']);
    expect(digits).toEqual(['5']);

    const file = writeWav({ encoding: 'pcm16' }, pcm16ToBytes(decodeG711('pcmu', Buffer.concat(recorded))));
    const back = parseWav(file);
    if (!back.ok) throw new Error(back.error.code);
    const pcm = bytesToPcm16(back.value.data);
    const tones = detectToneSegments(pcm, { frequencyHz: 1000 });
    expect(tones).toHaveLength(1);
    expect(Math.abs(tones[0]!.durationMs - 2000)).toBeLessThanOrEqual(60);
    const mid = Math.round(((tones[0]!.startMs + 1000) * 8000) / 1000);
    expect(Math.abs(dominantFrequency(pcm.subarray(mid - 2000, mid + 2000)) - 1000)).toBeLessThanOrEqual(3);
    // The lost packet, and at most one wobble that missed its slot while the buffer adapted.
    expect(jb.stats.lost + jb.stats.late).toBeLessThanOrEqual(3);
    expect(jb.stats.duplicates).toBe(0); // SRTP's replay window caught it first
  });
});
