// RTCP goodbye, RFC 3550 §6.6.
//
//        0                   1                   2                   3
//        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |V=2|P|    SC   |   PT=BYE=203  |             length            |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                           SSRC/CSRC                           |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       :                              ...                              :
//       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// (opt) |     length    |               reason for leaving            ...
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

export const RTCP_BYE = 203;

export interface RtcpGoodbye {
  readonly type: 'goodbye';
  readonly sources: readonly number[];
  readonly reason?: string;
}

export function parseByeBody(count: number, body: Buffer): RtcpGoodbye | undefined {
  if (body.length < count * 4) return undefined;
  const sources: number[] = [];
  for (let i = 0; i < count; i++) sources.push(body.readUInt32BE(i * 4));
  const o = count * 4;
  if (o < body.length) {
    const len = body[o]!;
    if (o + 1 + len > body.length) return undefined;
    return { type: 'goodbye', sources, reason: body.toString('utf8', o + 1, o + 1 + len) };
  }
  return { type: 'goodbye', sources };
}

export function serializeByeBody(bye: RtcpGoodbye): Buffer {
  if (bye.sources.length > 31) throw new RangeError('a BYE names at most 31 sources');
  const reason = bye.reason === undefined ? undefined : Buffer.from(bye.reason, 'utf8');
  if (reason && reason.length > 255) throw new RangeError('a BYE reason is at most 255 octets');
  const length = bye.sources.length * 4 + (reason ? (1 + reason.length + 3) & ~3 : 0);
  const out = Buffer.alloc(length);
  bye.sources.forEach((s, i) => out.writeUInt32BE(s >>> 0, i * 4));
  if (reason) {
    out[bye.sources.length * 4] = reason.length;
    reason.copy(out, bye.sources.length * 4 + 1);
  }
  return out;
}
