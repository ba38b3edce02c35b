// The mailbox by phone for a phone set to send its keys as SIP INFO
// (RFC 6086 legacy usage: application/dtmf-relay or application/dtmf), as
// many desk phones and ATAs are, through a running Sotto: the PIN typed so
// opens the box and the message plays; a phone that sends each key both
// ways (RFC 4733 in the RTP and an INFO) has each key entered once, so its
// PIN is right too. INFO Sotto cannot take is refused as RFC 6086 and RFC
// 3261 say (469 with an empty Recv-Info, 415 with Accept), and a session
// refresh by UPDATE is 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/runtime.ts';
import type { RunningSotto } from '../../src/app/server.ts';
import { detectToneSegments, telephoneEventTrain, type DtmfDigit } from '../../src/media/index.ts';
import { getCSeq, getHeader } from '../../src/sip/message/index.ts';
import { CallPhone, type OutgoingCall } from '../calls/call-phone.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { boxOf, leaveMessage, startVoicemailClinic, tone, type VoicemailClinic } from '../support/voicemail.ts';

const DOMAIN = 'pbx.mailbox-info.test';
const PIN = '482916';
const MESSAGE_HZ = 600;

/** Keeps RTP flowing from the phone (silence), as a real phone does, so the relay latches and stays up. */
function keepTalking(phone: FakePhone): { close(): void } {
  const timer = setInterval(() => phone.sendPacket(phone.packets(new Int16Array(160))[0]!), 20);
  return { close: () => clearInterval(timer) };
}

/** One key as RFC 4733 events on the call's RTP stream. */
function pressInRtp(phone: FakePhone, digit: string): void {
  const packetizer = phone.packetizer!;
  const train = telephoneEventTrain({ digit: digit as DtmfDigit, durationMs: 100, payloadType: 101, ssrc: packetizer.ssrc, firstSequenceNumber: packetizer.reserveSequenceNumbers(8), timestamp: packetizer.nextTimestamp });
  packetizer.skip(800);
  for (const t of train) phone.sendPacket(t.packet);
}

/** One key as an INFO; resolves with Sotto's final status. */
async function pressByInfo(call: OutgoingCall, digit: string, type: 'application/dtmf-relay' | 'application/dtmf' = 'application/dtmf-relay'): Promise<number> {
  call.request('INFO', [`Content-Type: ${type}`], type === 'application/dtmf' ? digit : `Signal=${digit}\r\nDuration=160\r\n`);
  return (await call.phone.waitResponse('INFO', 200, call.cseq - 1)).status;
}

describe('the mailbox by phone, keys sent as SIP INFO', { timeout: 120_000 }, () => {
  let clinic: VoicemailClinic;
  let rt: Runtime;
  let sotto: RunningSotto;
  let practiceId: string;
  let passwords: Record<string, string>;
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    clinic = await startVoicemailClinic({ domain: DOMAIN, rtpPorts: '49660-49699', pin: PIN });
    ({ rt, sotto, practiceId, passwords } = clinic);
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    await clinic?.close();
  });

  async function dial(from: string, to: string) {
    const phone = await CallPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: from, password: passwords[from]! });
    const media = await FakePhone.open();
    closers.push(phone, media);
    const call = await phone.call(to, media.offer({ codecs: ['PCMU'], telephoneEventPayloadType: 101 }));
    const ok = await phone.waitResponse('INVITE', 200, 1);
    expect(ok.status).toBe(200);
    call.ack2xx(ok);
    media.takeAnswer(ok.body.toString('utf8'));
    closers.push(keepTalking(media));
    return { phone, media, call };
  }

  /** Sotto's first prompt has begun (loud audio): the menu is listening for keys. */
  const prompted = (media: FakePhone) => media.until(() => media.decodedAudio().some((s) => Math.abs(s) > 500));

  const signIns = async () =>
    (await rt.database.db.selectFrom('audit_events').select('action').where('practice_id', '=', practiceId).where('action', '=', 'voicemail.mailbox_sign_in').execute()).length;

  it('opens the box with a PIN typed as INFO (both body types), and plays the message', async () => {
    const box = await boxOf(rt.database.db, practiceId, '102');
    await leaveMessage(sotto.voicemail.store, box, tone(2500, MESSAGE_HZ));
    const { media, call } = await dial('102', '102');
    await prompted(media);
    const statuses: number[] = [];
    for (const [i, digit] of [...PIN].entries()) statuses.push(await pressByInfo(call, digit, i % 2 === 0 ? 'application/dtmf-relay' : 'application/dtmf'));
    statuses.push(await pressByInfo(call, '#'));
    expect(statuses).toEqual(Array(PIN.length + 1).fill(200));
    // In: the message's 600 Hz tone reaches the phone.
    await media.until(() => detectToneSegments(media.decodedAudio(), { frequencyHz: MESSAGE_HZ }).some((t) => t.durationMs >= 2000));
    expect(await signIns()).toBe(1);
    call.bye();
    await call.phone.waitResponse('BYE');
  });

  it('enters each key once when the phone sends it both ways (RFC 4733 and INFO): the PIN is right', async () => {
    const before = await signIns();
    const { media, call } = await dial('102', '102');
    await prompted(media);
    for (const digit of `${PIN}#`) {
      pressInRtp(media, digit);
      expect(await pressByInfo(call, digit)).toBe(200);
    }
    // Signed in once, and no failed PIN attempt counted (a doubled key would make the PIN wrong).
    for (let i = 0; i < 300 && (await signIns()) === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await signIns()).toBe(before + 1);
    const failures = await rt.database.db.selectFrom('voicemail_pin_failures').select(['key', 'failures']).where('practice_id', '=', practiceId).execute();
    expect(failures.filter((f) => f.failures > 0)).toEqual([]);
    call.bye();
    await call.phone.waitResponse('BYE');
  });

  it('refuses INFO it cannot take (469 with an empty Recv-Info for an Info Package, 415 with Accept for another body), takes an empty one and an UPDATE refresh', async () => {
    const { phone, call } = await dial('101', '*97');
    call.request('INFO', ['Info-Package: foo', 'Content-Type: application/foo'], 'x');
    const pkg = await phone.waitResponse('INFO', 200, call.cseq - 1);
    call.request('INFO', ['Content-Type: text/plain'], '5');
    const plain = await phone.waitResponse('INFO', 200, call.cseq - 1);
    call.request('INFO', ['Content-Type: application/dtmf-relay'], 'Signal=\r\n');
    const empty = await phone.waitResponse('INFO', 200, call.cseq - 1);
    call.request('INFO', []);
    const keepAlive = await phone.waitResponse('INFO', 200, call.cseq - 1);
    call.request('UPDATE', []);
    const refresh = await phone.waitResponse('UPDATE');
    // RFC 6086 4.2.2: the 469 names the packages taken in Recv-Info: none, so it is there, empty.
    expect([pkg.status, pkg.reason, getHeader(pkg.headers, 'recv-info')]).toEqual([469, 'Bad Info Package', '']);
    expect([plain.status, getHeader(plain.headers, 'accept')]).toEqual([415, 'application/dtmf-relay, application/dtmf']);
    expect(empty.status).toBe(400);
    expect(keepAlive.status).toBe(200);
    expect([refresh.status, getHeader(refresh.headers, 'contact') !== undefined, getCSeq(refresh)?.method]).toEqual([200, true, 'UPDATE']);
    call.bye();
    await phone.waitResponse('BYE');
  });
});
