// Sotto answering a caller itself through the relay (voicemail, the mailbox
// menu): with the relay's answer to the caller's offer, or, to a caller
// whose INVITE had none (RFC 3261 13.2.1), with the relay's own offer,
// whose answer the ACK brings (RFC 3264 4; local-leg.ts hangs up when it
// does not).
import { hasSdp } from './call-media.ts';
import type { LocalCallLeg } from './local-leg.ts';
import { srtpToward } from './media-security.ts';
import type { UnavailableCall } from './unavailable-call.ts';

/** The relay verbs a local answer uses (MediaRelay implements them). */
export interface LocalAnswerRelay {
  answerOffer(callId: string, legId: string, sdp: string, options?: { toward?: string }): Promise<string>;
  ownOffer(callId: string, legId: string, options?: { srtp?: 'sdes' | 'plain'; toward?: string; dataPlane?: 'auto' | 'js' }): Promise<string>;
  takeAnswer(callId: string, legId: string, sdp: string): Promise<void>;
  /** A key the caller sent as SIP INFO, for the leg's DTMF listeners. */
  pressKey(callId: string, legId: string, digit: string, durationMs: number): void;
}

/**
 * Answers `call` with the relay's leg `legId` of call `relayCallId`, and
 * resolves once that leg has media (for a late offer, once the ACK's answer
 * is taken), so prompts can play. Rejects with the relay's error when it
 * cannot answer; undefined when the caller is gone meanwhile (a CANCEL, or
 * hung up for an ACK without a usable answer): the relay call is then the
 * caller's to delete.
 */
export async function answerThroughRelay(relay: LocalAnswerRelay, relayCallId: string, legId: string, call: UnavailableCall): Promise<LocalCallLeg | undefined> {
  const toward = call.callerAddress;
  const pressKey = (digit: string, durationMs: number): void => relay.pressKey(relayCallId, legId, digit, durationMs);
  if (hasSdp(call.invite)) return call.answer(await relay.answerOffer(relayCallId, legId, call.invite.body.toString('utf8'), { toward }), undefined, pressKey);
  // Prompts, recording and DTMF detection run on the JS plane: the call starts there.
  const offer = await relay.ownOffer(relayCallId, legId, { toward, srtp: srtpToward(call.aDestination.protocol), dataPlane: 'js' });
  let taken: () => void = () => {};
  const answered = new Promise<true>((resolve) => (taken = () => resolve(true)));
  const leg = call.answer(
    offer,
    async (answer) => {
      await relay.takeAnswer(relayCallId, legId, answer);
      taken();
    },
    pressKey,
  );
  if (!leg) return undefined;
  return (await Promise.race([answered, leg.ended.then(() => false)])) ? leg : undefined;
}
