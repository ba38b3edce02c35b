// Which legs of a call carry SRTP (RFC 4568 SDES), decided per call before
// anything is sent. SDES puts the media keys in the SDP itself (a=crypto),
// so keys are only as secret as the signalling that carries them (RFC 4568
// §8.3): Sotto offers SDES on TLS legs only, never puts a key in SDP sent
// over UDP or TCP, and refuses a caller who put theirs in the clear. When
// the practice policy requires SRTP, every leg must be TLS with SRTP.
import type { TransportProtocol } from '../../sip/transport/index.ts';

export type MediaSecurityRefusal =
  /** The caller sent SDES keys over unencrypted signalling: anyone on the path has them. */
  | 'CALL_SRTP_KEYS_IN_CLEAR'
  /** Policy requires SRTP and the caller is not on TLS or did not offer it. */
  | 'CALL_SRTP_REQUIRED';

/** Whether an SDP offer or answer carries SDES keys or asks for SRTP. */
export function offersSrtp(sdp: string): boolean {
  return /^a=crypto:/m.test(sdp) || /^m=audio\s+\S+\s+RTP\/SAVP/m.test(sdp);
}

/**
 * Checks the caller's leg (before ringing anyone). A caller without an offer
 * (a late offer) gets ours, with keys if it is on TLS, and must answer it
 * with SRTP then; under the policy it only has to be on TLS here.
 */
export function checkCaller(callerTransport: TransportProtocol, offer: string | undefined, requireSrtp: boolean): MediaSecurityRefusal | undefined {
  const srtp = offer === undefined ? callerTransport === 'TLS' : offersSrtp(offer);
  if (offer !== undefined && srtp && callerTransport !== 'TLS') return 'CALL_SRTP_KEYS_IN_CLEAR';
  if (requireSrtp && (callerTransport !== 'TLS' || !srtp)) return 'CALL_SRTP_REQUIRED';
  return undefined;
}

/** Plans the callee side given the transports of the phones found for the callee. */
export function planCallee(targetTransports: readonly TransportProtocol[], requireSrtp: boolean): { towardCallee: 'sdes' | 'plain'; targets: number[] } {
  const indexes = targetTransports.map((_, i) => i);
  const targets = requireSrtp ? indexes.filter((i) => targetTransports[i] === 'TLS') : indexes;
  const allTls = targets.length > 0 && targets.every((i) => targetTransports[i] === 'TLS');
  return { towardCallee: allTls ? 'sdes' : 'plain', targets };
}

/** What the relay offers a leg on this transport in a re-INVITE: keys only over TLS, whatever the policy. */
export function srtpToward(transport: TransportProtocol): 'sdes' | 'plain' {
  return transport === 'TLS' ? 'sdes' : 'plain';
}
