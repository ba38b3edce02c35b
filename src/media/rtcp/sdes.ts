// RTCP source description, RFC 3550 §6.5.
//
//        0                   1                   2                   3
//        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// header |V=2|P|    SC   |  PT=SDES=202  |             length            |
//       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// chunk  |                          SSRC/CSRC_1                          |
//   1    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                           SDES items                          |
//       |                              ...                              |
//
// Each item is type (8 bits), length (8 bits), text; a chunk's item list
// ends with one or more null octets that also pad it to 32 bits.

export const RTCP_SDES = 202;

export const SdesItemType = {
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  PRIV: 8,
} as const;

export interface SdesItem {
  readonly type: number;
  /** Raw octets: SDES text is UTF-8, but PRIV items carry a binary prefix. */
  readonly value: Buffer;
}

export interface SdesChunk {
  readonly source: number;
  readonly items: readonly SdesItem[];
}

export interface RtcpSourceDescription {
  readonly type: 'source-description';
  readonly chunks: readonly SdesChunk[];
}

export function parseSdesBody(count: number, body: Buffer): RtcpSourceDescription | undefined {
  const chunks: SdesChunk[] = [];
  let o = 0;
  for (let c = 0; c < count; c++) {
    if (o + 4 > body.length) return undefined;
    const source = body.readUInt32BE(o);
    o += 4;
    const items: SdesItem[] = [];
    for (;;) {
      if (o >= body.length) return undefined;
      const type = body[o]!;
      if (type === 0) {
        // Skip the null terminator and the padding to the next 32-bit boundary.
        o = (o + 4) & ~3;
        break;
      }
      if (o + 2 > body.length) return undefined;
      const len = body[o + 1]!;
      if (o + 2 + len > body.length) return undefined;
      items.push({ type, value: body.subarray(o + 2, o + 2 + len) });
      o += 2 + len;
    }
    chunks.push({ source, items });
  }
  return { type: 'source-description', chunks };
}

export function serializeSdesBody(sdes: RtcpSourceDescription): Buffer {
  if (sdes.chunks.length > 31) throw new RangeError('an SDES packet carries at most 31 chunks');
  const parts: Buffer[] = [];
  for (const chunk of sdes.chunks) {
    let length = 4;
    for (const item of chunk.items) {
      if (item.value.length > 255) throw new RangeError('an SDES item is at most 255 octets');
      length += 2 + item.value.length;
    }
    // At least one null octet, then up to the 32-bit boundary.
    const padded = (length + 4) & ~3;
    const out = Buffer.alloc(padded);
    out.writeUInt32BE(chunk.source >>> 0, 0);
    let o = 4;
    for (const item of chunk.items) {
      out[o] = item.type;
      out[o + 1] = item.value.length;
      item.value.copy(out, o + 2);
      o += 2 + item.value.length;
    }
    parts.push(out);
  }
  return Buffer.concat(parts);
}

/** A convenience for the one item every compound packet must carry (RFC 3550 §6.1). */
export function cnameSdes(ssrc: number, cname: string): RtcpSourceDescription {
  return { type: 'source-description', chunks: [{ source: ssrc, items: [{ type: SdesItemType.CNAME, value: Buffer.from(cname, 'utf8') }] }] };
}
