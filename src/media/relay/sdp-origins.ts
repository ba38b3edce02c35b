// Sotto's o= line in the SDP it sends each leg of a call (RFC 8866 §5.2,
// RFC 3264 §8): one session id for the call, and per leg a version that
// grows by exactly one each time the description sent to that leg changes
// and stays the same when it does not. The same answer sent in a 183 and
// again in the 200 therefore carries the same version (RFC 6337 §3.1.1);
// a phone that sees a new version re-reads the session, and one that sees
// a changed description under an old version may refuse it.

import { randomInt } from 'node:crypto';
import type { SdpIdentity } from '../sdp/offer-answer.ts';
import { serializeSdp, type SessionDescription } from '../sdp/session-description.ts';

export class SdpOrigins {
  private readonly sessionId = String(randomInt(1, 2 ** 47));
  private readonly firstVersion = randomInt(1, 2 ** 30);
  /** Per leg: the version last sent and that description, serialised with the version left out. */
  private readonly sent = new Map<string, { readonly version: number; readonly text: string }>();

  /** The identity to build a description with; stamp() sets its version. */
  draft(): SdpIdentity {
    return { sessionId: this.sessionId, sessionVersion: '0', username: 'sotto' };
  }

  /** `description` as it goes to `legId`: the last version again if nothing else changed, else the next one. */
  stamp(legId: string, description: SessionDescription): SessionDescription {
    const text = serializeSdp(withVersion(description, '0'));
    const last = this.sent.get(legId);
    if (last?.text === text) return withVersion(description, String(last.version));
    const version = last ? last.version + 1 : this.firstVersion;
    this.sent.set(legId, { version, text });
    return withVersion(description, String(version));
  }

  /** The leg an offer went to under a placeholder id is now known by its real one. */
  rename(from: string, to: string): void {
    const last = this.sent.get(from);
    if (!last) return;
    this.sent.delete(from);
    this.sent.set(to, last);
  }
}

function withVersion(description: SessionDescription, sessionVersion: string): SessionDescription {
  return { ...description, origin: { ...description.origin, sessionVersion } };
}
