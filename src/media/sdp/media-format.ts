// Reading an m= section's RTP details: payload type mappings (a=rtpmap,
// RFC 8866 §6.6, with the static types of RFC 3551 §6), format parameters
// (a=fmtp, §6.15), packet time (a=ptime, §6.4) and direction (§6.7).

import type { SdpAttribute, SdpMedia, SessionDescription } from './session-description.ts';

export interface RtpMap {
  readonly payloadType: number;
  /** Encoding name as written; compare case-insensitively (RFC 8866 §6.6). */
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels?: number;
}

// RFC 3551 Table 4: static audio payload types Sotto may see without a=rtpmap.
const STATIC_AUDIO: Readonly<Record<number, { encoding: string; clockRate: number }>> = {
  0: { encoding: 'PCMU', clockRate: 8000 },
  3: { encoding: 'GSM', clockRate: 8000 },
  4: { encoding: 'G723', clockRate: 8000 },
  8: { encoding: 'PCMA', clockRate: 8000 },
  9: { encoding: 'G722', clockRate: 8000 },
  13: { encoding: 'CN', clockRate: 8000 },
  18: { encoding: 'G729', clockRate: 8000 },
};

export function rtpMaps(media: SdpMedia): RtpMap[] {
  const explicit = new Map<number, RtpMap>();
  for (const a of media.attributes) {
    if (a.name !== 'rtpmap' || a.value === undefined) continue;
    const m = /^(\d{1,3})\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(a.value);
    if (!m) continue;
    const payloadType = Number(m[1]);
    explicit.set(payloadType, {
      payloadType,
      encoding: m[2]!,
      clockRate: Number(m[3]),
      ...(m[4] !== undefined ? { channels: Number(m[4]) } : {}),
    });
  }
  const maps: RtpMap[] = [];
  for (const f of media.formats) {
    if (!/^\d{1,3}$/.test(f)) continue;
    const pt = Number(f);
    const map = explicit.get(pt) ?? (STATIC_AUDIO[pt] ? { payloadType: pt, ...STATIC_AUDIO[pt] } : undefined);
    if (map) maps.push(map);
  }
  return maps;
}

export function fmtp(media: SdpMedia, payloadType: number): string | undefined {
  const prefix = `${payloadType} `;
  for (const a of media.attributes) {
    if (a.name === 'fmtp' && a.value?.startsWith(prefix)) return a.value.slice(prefix.length).trim();
  }
  return undefined;
}

export function ptimeMs(media: SdpMedia): number | undefined {
  const a = media.attributes.find((x) => x.name === 'ptime');
  const n = a?.value !== undefined ? Number(a.value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

function directionIn(attributes: readonly SdpAttribute[]): MediaDirection | undefined {
  for (const a of attributes) if ((DIRECTIONS as readonly string[]).includes(a.name)) return a.name as MediaDirection;
  return undefined;
}

/** RFC 8866 §6.7: a media-level direction wins over a session-level one; sendrecv by default. */
export function mediaDirection(sdp: SessionDescription, media: SdpMedia): MediaDirection {
  return directionIn(media.attributes) ?? directionIn(sdp.attributes) ?? 'sendrecv';
}

export function directionFlags(d: MediaDirection): { send: boolean; recv: boolean } {
  return { send: d === 'sendrecv' || d === 'sendonly', recv: d === 'sendrecv' || d === 'recvonly' };
}

export function directionFromFlags(send: boolean, recv: boolean): MediaDirection {
  return send ? (recv ? 'sendrecv' : 'sendonly') : recv ? 'recvonly' : 'inactive';
}

/** The connection address for a media section: its own c=, else the session's. */
export function mediaConnectionAddress(sdp: SessionDescription, media: SdpMedia): string | undefined {
  return (media.connection ?? sdp.connection)?.address.split('/')[0];
}

/**
 * The direction an SDP asks for, reading the RFC 2543 hold (c=0.0.0.0, which
 * RFC 3264 §8.4 notes) as what it means: "do not send to me". The holder may
 * still send (music on hold), so sendrecv becomes sendonly, recvonly inactive.
 */
export function effectiveDirection(sdp: SessionDescription, media: SdpMedia): MediaDirection {
  const d = mediaDirection(sdp, media);
  return mediaConnectionAddress(sdp, media) === '0.0.0.0' ? directionFromFlags(directionFlags(d).send, false) : d;
}

/** RFC 3264 §8.4 hold, including the RFC 2543 style of c=0.0.0.0. */
export function isHeld(sdp: SessionDescription, media: SdpMedia): boolean {
  const d = mediaDirection(sdp, media);
  return d === 'sendonly' || d === 'inactive' || mediaConnectionAddress(sdp, media) === '0.0.0.0';
}

/**
 * Where the peer wants RTCP: RFC 3605 a=rtcp:<port> [IN IP4 <address>], or
 * the RTP port plus one (RFC 3550 §11) when absent. With a=rtcp-mux (RFC
 * 5761) it is the RTP port itself.
 */
export function rtcpPort(media: SdpMedia): number {
  if (media.attributes.some((a) => a.name === 'rtcp-mux')) return media.port;
  const a = media.attributes.find((x) => x.name === 'rtcp');
  const m = a?.value !== undefined ? /^(\d{1,5})\b/.exec(a.value) : null;
  const port = m ? Number(m[1]) : NaN;
  return port > 0 && port <= 65535 ? port : media.port + 1;
}
