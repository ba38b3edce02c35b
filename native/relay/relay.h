/*
 * Sotto's native media data plane: relays plain RTP/RTCP between the two
 * legs of a call, off Node's event loop. MediaRelay (src/media/relay/)
 * spawns this program and drives it over stdin/stdout with the line
 * protocol described in control.c; the signalling side (SDP, ports, which
 * calls come here at all) stays in TypeScript.
 *
 * What it keeps from the JS relay, exactly (src/media/relay/relay-leg.ts):
 *   - a leg's peer address is learned once, after the latch check of
 *     latch-check.ts (SDP address at once; otherwise two consecutive
 *     packets from one address, same SSRC, consecutive sequence numbers),
 *     under the leg's latch policy, and never re-latched;
 *   - only negotiated payload types (the codec, telephone-event, comfort
 *     noise 13) count as RTP from the phone; codec and events are relayed;
 *   - RTCP is accepted only from the latched phone's IP, its port learned
 *     once;
 *   - media inactivity (no RTP or RTCP accepted from either phone, nor a new
 *     offer/answer) is reported per call with the JS semantics, after the
 *     longer hold window while a leg's SDP does not flow both ways.
 * What differs (the call was chosen for this path because it needs none of
 * it): packets pass byte-exact (no SSRC rewrite, no SRTP, no transcoding),
 * so RTCP is forwarded end to end instead of being terminated.
 */
#ifndef SOTTO_RELAY_H
#define SOTTO_RELAY_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Peer bytes land in buffers this large; a longer datagram is malformed for G.711. */
#define PACKET_BUFFER 2048
/* Datagrams taken off one socket per wakeup (recvmmsg). */
#define RECV_BATCH 8

enum latch_policy {
  LATCH_NEGOTIATED_ONLY = 'n', /* only the SDP address */
  LATCH_ONCE = 'o',            /* any address that passes the check */
  LATCH_ONCE_SAME_IP = 'i',    /* the SDP IP, any port, after the check */
};

struct endpoint {
  struct sockaddr_storage sa;
  socklen_t len;
};

struct leg_config {
  struct endpoint rtp;  /* where SDP said the phone takes RTP */
  struct endpoint rtcp; /* and RTCP */
  int payload_type;
  int event_payload_type; /* telephone-event, -1 when not negotiated */
  bool receives_from;     /* the relay accepts media from this phone (SDP direction) */
  bool sends_to;          /* the relay sends media to this phone */
  char latch;             /* enum latch_policy */
};

struct leg_counters {
  uint64_t received, sent, refused, malformed, unexpected_pt, rtcp_received, rtcp_sent;
};

struct leg;
struct port_pair;

/* What epoll hands back: which socket of which port pair is readable. */
struct socket_ref {
  struct port_pair *pair;
  bool rtcp;
};

/*
 * The two sockets of an even/odd port pair (port-pair.c). Opened and bound
 * the first time a call takes the port, and kept when the call ends
 * ("parked", still in the epoll set, whatever arrives read and dropped)
 * so the next call on the port costs no system call but the drain.
 */
struct port_pair {
  uint16_t port;
  int rtp_fd, rtcp_fd;
  int recv_buffer;  /* what the OS granted the RTP socket */
  struct leg *leg;  /* the call's leg using it; NULL while parked */
  bool parked;
  struct socket_ref rtp_ref, rtcp_ref;
  struct port_pair *parked_prev, *parked_next; /* the parked pairs, longest parked first */
};

struct pair_counts {
  unsigned long long open_pairs, parked_pairs, parked_dropped, pair_cap;
};

struct call;

struct leg {
  uint16_t port; /* even RTP port; RTCP on port + 1 (RFC 3550 §11) */
  int rtp_fd, rtcp_fd; /* the pair's, while the leg holds it; -1 before */
  struct port_pair *pair;
  struct call *call;
  struct leg *peer;      /* the other leg, once paired */
  struct leg *call_next; /* the call's legs */
  bool configured;
  struct leg_config cfg;
  /* PeerLatch: expecting -> latched, once per negotiation. */
  bool latched;
  struct endpoint peer_rtp;
  /* LatchCheck's candidate: the last unchecked packet's source, SSRC and sequence number. */
  bool candidate_set;
  struct endpoint candidate;
  uint32_t candidate_ssrc;
  uint16_t candidate_seq;
  bool rtcp_latched;
  struct endpoint peer_rtcp;
  struct leg_counters n;
};

struct call {
  uint32_t id;
  struct leg *legs;
  struct call *hash_next;
  struct call *prev, *next; /* every call, for the housekeeping tick */
  int64_t negotiated_ms;    /* the last offer/answer; -1 until media is negotiated */
  int64_t last_heard_ms;    /* the last RTP or RTCP accepted from either phone; -1 before */
  bool held;                /* a leg's SDP does not flow both ways: on hold (RFC 3264 §8.4) */
  bool inactive_reported;
  int64_t reported_for_ms;
};

struct settings {
  struct endpoint bind; /* port ignored */
  int recv_buffer, send_buffer;
  int64_t inactivity_ms;      /* a call with media flowing both ways */
  int64_t hold_inactivity_ms; /* a call on hold */
  bool clock_held;            /* tests: g_now_ms moves only on a T request */
};

/* main.c */
extern struct settings g_settings;
extern int64_t g_now_ms;
extern int g_epoll;
void emit_line(const char *line);
void emit_flush(void);

/* packet-check.c: RFC 3550 header checks; nothing from a peer is trusted further than these. */
bool rtp_header_valid(const uint8_t *p, size_t len);
bool rtcp_compound_head_valid(const uint8_t *p, size_t len);
static inline bool looks_like_rtcp(const uint8_t *p, size_t len) { return len >= 2 && p[1] >= 200 && p[1] <= 206; }

/* endpoint.c */
bool endpoint_parse(struct endpoint *e, const char *ip, long port, int family);
bool endpoint_same(const struct endpoint *a, const struct endpoint *b);
bool endpoint_same_ip(const struct endpoint *a, const struct endpoint *b);
void endpoint_format(const struct endpoint *e, char *out, size_t size);
uint16_t endpoint_port(const struct endpoint *e);
void endpoint_with_port(struct endpoint *e, const struct endpoint *ip_of, uint16_t port);

/* port-pair.c */
void pairs_init(void);
int pair_take(uint16_t port, struct leg *leg, struct port_pair **out); /* 0, or an errno */
void pair_release(struct port_pair *pair, bool park);
int pairs_unpark(uint16_t port); /* closes a parked pair; 1 if there was one */
void pair_parked_readable(struct port_pair *pair, bool rtcp);
struct pair_counts pairs_counts(void);

/* leg.c */
int leg_open(struct leg *leg, uint16_t port); /* 0, or an errno */
void leg_close(struct leg *leg, bool park);
void leg_configure(struct leg *leg, const struct leg_config *cfg);
void leg_readable(struct leg *leg, bool rtcp);

/* calls.c */
struct call *call_find(uint32_t id);
struct call *call_get_or_create(uint32_t id);
void call_destroy(struct call *call, bool park);
struct leg *call_leg_by_port(struct call *call, uint16_t port);
bool port_taken(uint16_t port);
void port_set(uint16_t port, struct leg *leg);
void call_negotiated(struct call *call);
void calls_tick(void);

/* control.c */
void control_line(char *line);

#endif
