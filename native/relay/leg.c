/*
 * One leg of a relayed call: the RTP and RTCP sockets facing one phone,
 * whom they accept packets from, and the forwarding to the other leg.
 *
 * Receive path per RTP datagram (the order of relay-leg.ts receiveRtp):
 *   RTCP multiplexed on the RTP port (RFC 5761 §4)? -> RTCP path;
 *   header valid (RFC 3550 §5.1)? -> payload type negotiated? ->
 *   latch: latched peer only; before that, the latch check, then the
 *   policy -> counted, call marked active -> relayed if SDP lets this
 *   phone send to us and lets us send to the other phone.
 * Anything refused is counted and dropped; no peer byte is ever logged.
 */
#include "relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Takes the port's pair (parked or new): 0 or an errno. */
int leg_open(struct leg *leg, uint16_t port) {
  leg->port = port;
  struct port_pair *pair;
  int e = pair_take(port, leg, &pair);
  if (e) return e;
  leg->pair = pair;
  leg->rtp_fd = pair->rtp_fd;
  leg->rtcp_fd = pair->rtcp_fd;
  return 0;
}

/* Gives the pair back: parked for the next call on the port, or closed (a move to the workers, who bind the port next). */
void leg_close(struct leg *leg, bool park) {
  if (leg->pair) pair_release(leg->pair, park);
  leg->pair = NULL;
  leg->rtp_fd = leg->rtcp_fd = -1;
}

/*
 * A new offer/answer. As in relay-leg.ts configure(): a re-INVITE that
 * keeps the phone's address and latch policy (a session refresh, hold,
 * 200 after 183) keeps the latch; reopening it would give a stranger a
 * fresh chance. A moved phone gets a fresh latch.
 */
void leg_configure(struct leg *leg, const struct leg_config *cfg) {
  bool keep = leg->configured && endpoint_same(&leg->cfg.rtp, &cfg->rtp) && leg->cfg.latch == cfg->latch;
  leg->cfg = *cfg;
  leg->configured = true;
  if (keep) return;
  leg->latched = false;
  leg->candidate_set = false;
  leg->rtcp_latched = false;
}

/* LatchCheck.passes (latch-check.ts), without the SRTP shortcut: this path carries no SRTP. */
static bool latch_check_passes(struct leg *leg, const struct endpoint *src, uint32_t ssrc, uint16_t seq) {
  if (endpoint_same(src, &leg->cfg.rtp)) return true;
  if (leg->candidate_set && endpoint_same(src, &leg->candidate) && leg->candidate_ssrc == ssrc && (uint16_t)(leg->candidate_seq + 1) == seq) {
    return true;
  }
  leg->candidate_set = true;
  leg->candidate = *src;
  leg->candidate_ssrc = ssrc;
  leg->candidate_seq = seq;
  return false;
}

/* PeerLatch.judge (peer-latch.ts): true to deliver. Latches at most once. */
static bool latch_judge(struct leg *leg, const struct endpoint *src, bool passed) {
  if (leg->latched) return endpoint_same(src, &leg->peer_rtp);
  if (!passed) return false;
  switch (leg->cfg.latch) {
  case LATCH_NEGOTIATED_ONLY:
    if (!endpoint_same(src, &leg->cfg.rtp)) return false;
    break;
  case LATCH_ONCE_SAME_IP:
    if (!endpoint_same_ip(src, &leg->cfg.rtp)) return false;
    break;
  default:
    break;
  }
  leg->latched = true;
  leg->peer_rtp = *src;
  return true;
}

/*
 * RTCP from the leg's phone: only from the IP the RTP latched to, its port
 * learned once (the phone's RTCP port may differ from RTP+1 behind NAT);
 * forwarded to the other phone's RTCP address.
 */
static void receive_rtcp(struct leg *leg, const uint8_t *p, size_t len, const struct endpoint *src) {
  if (!leg->configured || !leg->latched || !endpoint_same_ip(src, &leg->peer_rtp)) {
    leg->n.refused++;
    return;
  }
  if (!rtcp_compound_head_valid(p, len)) {
    leg->n.malformed++;
    return;
  }
  if (!leg->rtcp_latched) {
    leg->rtcp_latched = true;
    leg->peer_rtcp = *src;
  } else if (!endpoint_same(src, &leg->peer_rtcp)) {
    leg->n.refused++;
    return;
  }
  leg->n.rtcp_received++;
  /* RFC 3550 §6.3.5: RTCP is a sign of life too, and the only one a held stream gives. */
  leg->call->last_heard_ms = g_now_ms;
  struct leg *to = leg->peer;
  if (!to || !to->configured || !to->latched || to->rtcp_fd < 0) return;
  struct endpoint dest;
  if (to->rtcp_latched) dest = to->peer_rtcp;
  else {
    /* Not heard from yet: the latched RTP IP, at the RTCP port its SDP named. */
    endpoint_with_port(&dest, &to->peer_rtp, endpoint_port(&to->cfg.rtcp));
  }
  if (sendto(to->rtcp_fd, p, len, 0, (struct sockaddr *)&dest.sa, dest.len) >= 0) to->n.rtcp_sent++;
}

/* Judges one RTP datagram; true when it is to be relayed to the other leg. */
static bool receive_rtp(struct leg *leg, const uint8_t *p, size_t len, const struct endpoint *src) {
  if (!leg->configured) {
    leg->n.refused++;
    return false;
  }
  if (looks_like_rtcp(p, len)) {
    receive_rtcp(leg, p, len, src);
    return false;
  }
  if (!rtp_header_valid(p, len)) {
    leg->n.malformed++;
    return false;
  }
  int pt = p[1] & 0x7f;
  bool media = pt == leg->cfg.payload_type || pt == leg->cfg.event_payload_type;
  bool known = media || pt == 13; /* RFC 3389 comfort noise: the phone's, not relayed */
  bool passed = false;
  if (known && !leg->latched) {
    uint32_t ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
    uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
    passed = latch_check_passes(leg, src, ssrc, seq);
  }
  if (!latch_judge(leg, src, passed)) {
    leg->n.refused++;
    return false;
  }
  if (!known) {
    leg->n.unexpected_pt++;
    return false;
  }
  leg->n.received++;
  leg->call->last_heard_ms = g_now_ms;
  if (!leg->cfg.receives_from || !media) return false;
  struct leg *to = leg->peer;
  return to && to->configured && to->cfg.sends_to && to->rtp_fd >= 0;
}

/*
 * The socket is readable: take what is queued (one recvmmsg), judge each
 * datagram, and relay the accepted ones out of the other leg's socket in
 * one sendmmsg. All go to one destination: the other phone's latched
 * address, or before it latched, where its SDP asked.
 */
void leg_readable(struct leg *leg, bool rtcp) {
  static uint8_t buffers[RECV_BATCH][PACKET_BUFFER];
  static struct endpoint sources[RECV_BATCH];
  static struct iovec iov[RECV_BATCH];
  static struct mmsghdr in[RECV_BATCH];
  static struct mmsghdr out[RECV_BATCH];
  static struct iovec out_iov[RECV_BATCH];
  static bool ready;
  if (!ready) {
    /* Set once: the per-packet path only rewrites lengths and names (profiled: re-initialising cost ~5 % of a packet). */
    for (int i = 0; i < RECV_BATCH; i++) {
      iov[i].iov_base = buffers[i];
      iov[i].iov_len = PACKET_BUFFER;
      in[i].msg_hdr.msg_name = &sources[i].sa;
      in[i].msg_hdr.msg_iov = &iov[i];
      in[i].msg_hdr.msg_iovlen = 1;
      out[i].msg_hdr.msg_iov = &out_iov[i];
      out[i].msg_hdr.msg_iovlen = 1;
    }
    ready = true;
  }
  for (int i = 0; i < RECV_BATCH; i++) in[i].msg_hdr.msg_namelen = sizeof sources[i].sa;
  int fd = rtcp ? leg->rtcp_fd : leg->rtp_fd;
  int got = recvmmsg(fd, in, RECV_BATCH, MSG_DONTWAIT, NULL);
  if (got <= 0) return; /* EAGAIN, or an ICMP error queued on the socket: nothing to relay */
  int relay = 0;
  struct leg *to = leg->peer;
  const struct endpoint *dest = NULL;
  for (int i = 0; i < got; i++) {
    const uint8_t *p = buffers[i];
    size_t len = in[i].msg_len;
    sources[i].len = in[i].msg_hdr.msg_namelen;
    if (in[i].msg_hdr.msg_flags & MSG_TRUNC) {
      leg->n.malformed++;
      continue;
    }
    if (rtcp) {
      receive_rtcp(leg, p, len, &sources[i]);
      continue;
    }
    if (!receive_rtp(leg, p, len, &sources[i])) continue;
    dest = to->latched ? &to->peer_rtp : &to->cfg.rtp;
    out_iov[relay].iov_base = buffers[i];
    out_iov[relay].iov_len = len;
    out[relay].msg_hdr.msg_name = (void *)&dest->sa;
    out[relay].msg_hdr.msg_namelen = dest->len;
    relay++;
  }
  if (relay == 0) return;
  int sent = sendmmsg(to->rtp_fd, out, (unsigned)relay, MSG_DONTWAIT);
  if (sent > 0) to->n.sent += (uint64_t)sent;
}
