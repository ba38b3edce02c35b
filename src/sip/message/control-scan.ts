/**
 * Finds control octets in a message's header block (RFC 3261 25.1: header
 * values are TEXT-UTF8 and LWS; a control may appear only as a quoted-pair,
 * RFC 4475 3.1.1.2). The parser checks values one by one only when this
 * scan finds something; almost every message is clean, so the scan is the
 * whole cost for them and runs a 32-bit word at a time.
 *
 * Octet-wise is the same as character-wise: UTF-8 encodes every code point
 * below 0x80 as that one octet, and every octet of a longer sequence is
 * 0x80 or above.
 */

/** True when bytes[from, to) hold a control other than HTAB and CR LF pairs: DEL, NUL..US, a bare CR or a bare LF. */
export function hasStrayControl(bytes: Buffer, from: number, to: number): boolean {
  let i = from;
  // Int32Array views need 4-aligned memory: octets before the first aligned one go singly.
  const aligned = Math.min(to, from + ((4 - ((bytes.byteOffset + from) & 3)) & 3));
  for (; i < aligned; i++) if (isStray(bytes, i, from, to)) return true;
  const words = (to - i) >> 2;
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      const x = view[w] as number;
      // Some octet below 0x20 (exact for the lowest such octet, whatever the others hold) ...
      const low = (x - 0x20202020) & ~x & 0x80808080;
      // ... or some octet equal to 0x7f: a zero octet of x ^ 0x7f7f7f7f.
      const d = x ^ 0x7f7f7f7f;
      const del = (d - 0x01010101) & ~d & 0x80808080;
      if ((low | del) !== 0) {
        const at = i + w * 4;
        for (let k = at; k < at + 4; k++) if (isStray(bytes, k, from, to)) return true;
      }
    }
    i += words * 4;
  }
  for (; i < to; i++) if (isStray(bytes, i, from, to)) return true;
  return false;
}

function isStray(bytes: Buffer, i: number, from: number, to: number): boolean {
  const c = bytes[i] as number;
  if (c >= 0x20) return c === 0x7f;
  if (c === 0x09) return false;
  if (c === 0x0d) return i + 1 >= to || bytes[i + 1] !== 0x0a;
  if (c === 0x0a) return i <= from || bytes[i - 1] !== 0x0d;
  return true;
}
