// Expected failures of the media relay, with stable codes the B2BUA maps to
// SIP replies (RELAY_PORTS_EXHAUSTED -> 503, RELAY_NEGOTIATION_FAILED -> 488,
// and so on). Bugs stay plain Errors.

export type RelayErrorCode =
  /** Every RTP/RTCP port pair in the configured range is taken. */
  | 'RELAY_PORTS_EXHAUSTED'
  /** The operating system refused to bind a media socket (port used by another program). */
  | 'RELAY_BIND_FAILED'
  /** The SDP body does not parse. */
  | 'RELAY_BAD_SDP'
  /** The SDP parses but holds nothing the relay can carry (no G.711 audio, no usable crypto). */
  | 'RELAY_NEGOTIATION_FAILED'
  | 'RELAY_UNKNOWN_CALL'
  | 'RELAY_UNKNOWN_LEG'
  /** answer() without an offer waiting for it. */
  | 'RELAY_NO_PENDING_OFFER'
  /** play() with audio that is not 8 kHz mono PCM16 or G.711. */
  | 'RELAY_UNSUPPORTED_AUDIO'
  /** The relay was closed, or its worker died. */
  | 'RELAY_CLOSED';

export class RelayError extends Error {
  override readonly name = 'RelayError';
  constructor(
    readonly code: RelayErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isRelayError(e: unknown): e is RelayError {
  return e instanceof RelayError;
}

/**
 * A RELAY_BIND_FAILED. Its message is made and read only here: it crosses
 * the worker boundary and the native plane's pipe as text.
 */
export function bindFailed(port: number | undefined, reason: string): RelayError {
  return new RelayError('RELAY_BIND_FAILED', `cannot bind media port ${port ?? '?'}: ${reason}`);
}

/** The port another program holds (EADDRINUSE), when `e` is a bind failure that says so. */
export function portHeldElsewhere(e: RelayError): number | undefined {
  const m = e.code === 'RELAY_BIND_FAILED' ? /^cannot bind media port (\d+): EADDRINUSE$/.exec(e.message) : null;
  return m ? Number(m[1]) : undefined;
}
