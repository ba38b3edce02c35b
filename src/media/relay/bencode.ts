// Bencode (BEP 3), the encoding of rtpengine's ng control protocol: byte
// strings `<len>:<bytes>`, integers `i<n>e`, lists `l…e`, dictionaries
// `d…e` with keys sorted as raw strings. Decoding is of a peer's bytes, so
// it returns a Result and never throws.

import { err, ok, type MediaError, type Result } from '../result.ts';

export type BencodeValue = string | Buffer | number | readonly BencodeValue[] | { readonly [key: string]: BencodeValue };

export type BencodeError = MediaError<'BENCODE_TRUNCATED' | 'BENCODE_BAD_SYNTAX' | 'BENCODE_TRAILING'>;

export function encodeBencode(value: BencodeValue): Buffer {
  const parts: Buffer[] = [];
  write(value, parts);
  return Buffer.concat(parts);
}

function write(value: BencodeValue, out: Buffer[]): void {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new RangeError('bencode integers only');
    out.push(Buffer.from(`i${value}e`));
  } else if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    out.push(Buffer.from(`${bytes.length}:`), bytes);
  } else if (Array.isArray(value)) {
    out.push(Buffer.from('l'));
    for (const v of value as readonly BencodeValue[]) write(v, out);
    out.push(Buffer.from('e'));
  } else {
    const dict = value as { readonly [key: string]: BencodeValue };
    out.push(Buffer.from('d'));
    // BEP 3: keys sorted as raw strings, compared bytewise.
    for (const key of Object.keys(dict).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
      write(key, out);
      write(dict[key]!, out);
    }
    out.push(Buffer.from('e'));
  }
}

/** Decodes one value; byte strings come back as UTF-8 strings (ng carries SDP and names). */
export function decodeBencode(bytes: Uint8Array): Result<BencodeValue, BencodeError> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = read(buf, 0, 0);
  if (!r.ok) return r;
  if (r.value.end !== buf.length) return err('BENCODE_TRAILING', 'bytes after the bencoded value');
  return ok(r.value.value);
}

const MAX_DEPTH = 64;

function read(buf: Buffer, at: number, depth: number): Result<{ value: BencodeValue; end: number }, BencodeError> {
  if (depth > MAX_DEPTH) return err('BENCODE_BAD_SYNTAX', 'nesting too deep');
  const c = buf[at];
  if (c === undefined) return err('BENCODE_TRUNCATED', 'value missing');
  if (c === 0x69 /* i */) {
    const end = buf.indexOf(0x65 /* e */, at + 1);
    if (end < 0) return err('BENCODE_TRUNCATED', 'integer not terminated');
    const text = buf.toString('latin1', at + 1, end);
    if (!/^(0|-?[1-9]\d*)$/.test(text)) return err('BENCODE_BAD_SYNTAX', 'bad integer');
    return ok({ value: Number(text), end: end + 1 });
  }
  if (c === 0x6c /* l */ || c === 0x64 /* d */) {
    const list: BencodeValue[] = [];
    const dict: Record<string, BencodeValue> = {};
    let o = at + 1;
    for (;;) {
      if (buf[o] === undefined) return err('BENCODE_TRUNCATED', 'container not terminated');
      if (buf[o] === 0x65) break;
      if (c === 0x64) {
        const key = read(buf, o, depth + 1);
        if (!key.ok) return key;
        if (typeof key.value.value !== 'string') return err('BENCODE_BAD_SYNTAX', 'dictionary key is not a string');
        const v = read(buf, key.value.end, depth + 1);
        if (!v.ok) return v;
        dict[key.value.value] = v.value.value;
        o = v.value.end;
      } else {
        const v = read(buf, o, depth + 1);
        if (!v.ok) return v;
        list.push(v.value.value);
        o = v.value.end;
      }
    }
    return ok({ value: c === 0x64 ? dict : list, end: o + 1 });
  }
  if (c >= 0x30 && c <= 0x39) {
    const colon = buf.indexOf(0x3a /* : */, at);
    if (colon < 0) return err('BENCODE_TRUNCATED', 'string length not terminated');
    const lenText = buf.toString('latin1', at, colon);
    if (!/^\d+$/.test(lenText)) return err('BENCODE_BAD_SYNTAX', 'bad string length');
    const len = Number(lenText);
    if (colon + 1 + len > buf.length) return err('BENCODE_TRUNCATED', 'string runs past the end');
    return ok({ value: buf.toString('utf8', colon + 1, colon + 1 + len), end: colon + 1 + len });
  }
  return err('BENCODE_BAD_SYNTAX', 'unknown value type');
}
