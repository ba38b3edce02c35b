/*
 * Header checks on peer bytes, the same rules as src/media/rtp/packet.ts
 * (parseRtpPacket) and the head of src/media/rtcp/compound.ts. A packet
 * failing them is counted as malformed and dropped.
 *
 * RTP fixed header, RFC 3550 §5.1:
 *  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *  |                           timestamp                           |
 *  |           synchronization source (SSRC) identifier            |
 *  |            contributing source (CSRC) identifiers (CC x 4)    |
 *  then, when X=1, a header extension (§5.3.1): 16 bits profile,
 *  16 bits length in 32-bit words, the body; when P=1 the last octet
 *  counts the padding, itself included.
 */
#include "relay.h"

#include <stddef.h>

bool rtp_header_valid(const uint8_t *p, size_t len) {
  if (len < 12) return false;
  if ((p[0] >> 6) != 2) return false;
  size_t offset = 12 + (size_t)(p[0] & 0x0f) * 4;
  if (len < offset) return false;
  if (p[0] & 0x10) {
    if (len < offset + 4) return false;
    size_t ext = ((size_t)p[offset + 2] << 8 | p[offset + 3]) * 4;
    offset += 4;
    if (len < offset + ext) return false;
    offset += ext;
  }
  if (p[0] & 0x20) {
    uint8_t padding = p[len - 1];
    /* §5.1: the count includes itself, so zero is impossible. */
    if (padding == 0 || offset + padding > len) return false;
  }
  return true;
}

/*
 * RTCP common header, RFC 3550 §6.4.1: V=2, a packet type 200-206
 * (SR, RR, SDES, BYE, APP, RTPFB, PSFB), and a length (in 32-bit words
 * minus one) that fits the datagram. Only the first packet of a compound
 * is checked: the relay forwards the datagram, it does not read it.
 */
bool rtcp_compound_head_valid(const uint8_t *p, size_t len) {
  if (len < 8) return false;
  if ((p[0] >> 6) != 2) return false;
  if (p[1] < 200 || p[1] > 206) return false;
  size_t words = ((size_t)p[2] << 8 | p[3]) + 1;
  return words * 4 <= len;
}
