// SDP session descriptions, RFC 8866 (which obsoletes RFC 4566).
//
// A description is lines of `<type>=<value>` in a fixed order (§5):
//
//   v=0                                    protocol version
//   o=<user> <sess-id> <sess-version> IN IP4 <address>
//   s=<session name>
//   [i= u= e= p=]  [c=]  [b=]*  (t= [r=]*)+  [z=] [k=]  [a=]*
//   (m=<media> <port>[/<count>] <proto> <fmt> ...
//     [i=]  [c=]*  [b=]*  [k=]  [a=]*)*
//
// The parser keeps what it does not interpret (i=, u=, e=, p=, r=, z=, k=,
// unknown attributes) so a description can be modified and re-serialised
// without losing anything a peer put in it.

import { err, ok, type MediaError, type Result } from '../result.ts';

export interface SdpOrigin {
  readonly username: string;
  /** Kept as text: often larger than 2^53. */
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  /** The address, with any /ttl/count suffix of multicast kept as written. */
  readonly address: string;
}

export interface SdpAttribute {
  readonly name: string;
  /** Undefined for a property attribute such as `a=sendrecv`. */
  readonly value?: string;
}

/** A line the parser keeps without interpreting, e.g. `{ type: 'r', value: '7d 1h 0 25h' }`. */
export interface SdpLine {
  readonly type: string;
  readonly value: string;
}

export interface SdpMedia {
  readonly type: string;
  readonly port: number;
  readonly portCount?: number;
  readonly protocol: string;
  readonly formats: readonly string[];
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly SdpLine[];
  readonly attributes: readonly SdpAttribute[];
  /** i= and k= lines, in order. */
  readonly otherLines: readonly SdpLine[];
}

export interface SessionDescription {
  readonly origin: SdpOrigin;
  readonly sessionName: string;
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly SdpLine[];
  /** t= lines, each followed by its r= lines in otherLines order. */
  readonly timing: readonly SdpLine[];
  readonly attributes: readonly SdpAttribute[];
  /** i=, u=, e=, p= (before c=) and r=, z=, k= (after t=), in order. */
  readonly otherLines: readonly SdpLine[];
  readonly media: readonly SdpMedia[];
}

export type SdpParseErrorCode =
  | 'SDP_BAD_LINE'
  | 'SDP_BAD_VERSION'
  | 'SDP_BAD_ORIGIN'
  | 'SDP_MISSING_SESSION_NAME'
  | 'SDP_BAD_CONNECTION'
  | 'SDP_BAD_MEDIA';

export type SdpParseError = MediaError<SdpParseErrorCode>;

const LINE = /^([a-z])=(.*)$/;

export function parseSdp(text: string): Result<SessionDescription, SdpParseError> {
  const lines = text.split(/\r?\n/);
  // A trailing empty line after the last CRLF is normal; blank lines elsewhere are tolerated too.
  const parsed: SdpLine[] = [];
  for (const raw of lines) {
    if (raw === '') continue;
    const m = LINE.exec(raw);
    if (!m) return err('SDP_BAD_LINE', 'SDP line is not <type>=<value>');
    parsed.push({ type: m[1]!, value: m[2]!.trimEnd() });
  }
  if (parsed[0]?.type !== 'v' || parsed[0].value !== '0') return err('SDP_BAD_VERSION', 'SDP must start with v=0');

  let origin: SdpOrigin | undefined;
  let sessionName: string | undefined;
  let connection: SdpConnection | undefined;
  const bandwidths: SdpLine[] = [];
  const timing: SdpLine[] = [];
  const attributes: SdpAttribute[] = [];
  const otherLines: SdpLine[] = [];
  const media: SdpMedia[] = [];
  let current: MutableMedia | undefined;

  for (const line of parsed.slice(1)) {
    if (line.type === 'm') {
      const m = parseMediaLine(line.value);
      if (!m) return err('SDP_BAD_MEDIA', 'malformed m= line');
      if (current) media.push(freeze(current));
      current = m;
      continue;
    }
    if (current) {
      switch (line.type) {
        case 'c': {
          const c = parseConnection(line.value);
          if (!c) return err('SDP_BAD_CONNECTION', 'malformed c= line');
          // Several c= lines (layered multicast) are legal; unicast audio uses the first.
          current.connection ??= c;
          break;
        }
        case 'b':
          current.bandwidths.push(line);
          break;
        case 'a':
          current.attributes.push(parseAttribute(line.value));
          break;
        default:
          current.otherLines.push(line);
      }
      continue;
    }
    switch (line.type) {
      case 'o': {
        const parts = line.value.split(' ');
        if (parts.length !== 6 || parts.some((p) => p === '')) return err('SDP_BAD_ORIGIN', 'o= needs six fields');
        const [username, sessionId, sessionVersion, netType, addrType, address] = parts as [string, string, string, string, string, string];
        origin = { username, sessionId, sessionVersion, netType, addrType, address };
        break;
      }
      case 's':
        sessionName = line.value;
        break;
      case 'c': {
        const c = parseConnection(line.value);
        if (!c) return err('SDP_BAD_CONNECTION', 'malformed c= line');
        connection = c;
        break;
      }
      case 'b':
        bandwidths.push(line);
        break;
      case 't':
        timing.push(line);
        break;
      case 'a':
        attributes.push(parseAttribute(line.value));
        break;
      default:
        otherLines.push(line);
    }
  }
  if (current) media.push(freeze(current));
  if (!origin) return err('SDP_BAD_ORIGIN', 'missing o= line');
  // RFC 8866 §5.3: s= is required; some phones send "s=" empty, or a single space.
  if (sessionName === undefined) return err('SDP_MISSING_SESSION_NAME', 'missing s= line');
  return ok({
    origin,
    sessionName,
    bandwidths,
    timing: timing.length > 0 ? timing : [{ type: 't', value: '0 0' }],
    attributes,
    otherLines,
    media,
    ...(connection ? { connection } : {}),
  });
}

interface MutableMedia {
  type: string;
  port: number;
  portCount?: number;
  protocol: string;
  formats: string[];
  connection?: SdpConnection;
  bandwidths: SdpLine[];
  attributes: SdpAttribute[];
  otherLines: SdpLine[];
}

function freeze(m: MutableMedia): SdpMedia {
  return m;
}

function parseMediaLine(value: string): MutableMedia | undefined {
  const parts = value.split(' ').filter((p) => p !== '');
  if (parts.length < 3) return undefined;
  const [type, portSpec, protocol, ...formats] = parts as [string, string, string, ...string[]];
  const pm = /^(\d{1,5})(?:\/(\d{1,5}))?$/.exec(portSpec);
  if (!pm) return undefined;
  const port = Number(pm[1]);
  if (port > 65535) return undefined;
  return {
    type,
    port,
    protocol,
    formats,
    bandwidths: [],
    attributes: [],
    otherLines: [],
    ...(pm[2] !== undefined ? { portCount: Number(pm[2]) } : {}),
  };
}

function parseConnection(value: string): SdpConnection | undefined {
  const parts = value.split(' ');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  return { netType: parts[0]!, addrType: parts[1]!, address: parts[2]! };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  return colon < 0 ? { name: value } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

// Serialisation order of session-level lines we keep verbatim (RFC 8866 §5).
const BEFORE_CONNECTION = new Set(['i', 'u', 'e', 'p']);

export function serializeSdp(sdp: SessionDescription): string {
  const out: string[] = ['v=0'];
  const o = sdp.origin;
  out.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  out.push(`s=${sdp.sessionName === '' ? '-' : sdp.sessionName}`);
  for (const l of sdp.otherLines) if (BEFORE_CONNECTION.has(l.type)) out.push(`${l.type}=${l.value}`);
  if (sdp.connection) out.push(connectionLine(sdp.connection));
  for (const b of sdp.bandwidths) out.push(`b=${b.value}`);
  for (const t of sdp.timing) out.push(`t=${t.value}`);
  for (const l of sdp.otherLines) if (!BEFORE_CONNECTION.has(l.type)) out.push(`${l.type}=${l.value}`);
  for (const a of sdp.attributes) out.push(attributeLine(a));
  for (const m of sdp.media) {
    const port = m.portCount !== undefined ? `${m.port}/${m.portCount}` : `${m.port}`;
    out.push(`m=${m.type} ${port} ${m.protocol} ${m.formats.join(' ')}`);
    for (const l of m.otherLines) if (l.type === 'i') out.push(`i=${l.value}`);
    if (m.connection) out.push(connectionLine(m.connection));
    for (const b of m.bandwidths) out.push(`b=${b.value}`);
    for (const l of m.otherLines) if (l.type !== 'i') out.push(`${l.type}=${l.value}`);
    for (const a of m.attributes) out.push(attributeLine(a));
  }
  return out.join('\r\n') + '\r\n';
}

function connectionLine(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function attributeLine(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}
