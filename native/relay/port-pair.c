/*
 * The sockets of the relay's port pairs, kept open across calls.
 *
 * Opening a leg used to cost socket, setsockopt x2, getsockopt, bind and
 * epoll_ctl for RTP, socket, bind and epoll_ctl for RTCP, and a close for
 * each at the end: 22 system calls a two-leg call, most of the program's
 * CPU per call setup. Now a pair is opened the first time a call takes
 * its port and "parked" when the call ends: still bound, still in the
 * epoll set, whatever arrives is read and dropped (counted, never
 * forwarded). The next call on the port takes the parked pair with two
 * reads (the drain below) instead of eleven calls.
 *
 * What a parked pair must not change:
 *   - the ports stay round-robin in MediaRelay's pool (port-pool.ts): a
 *     parked port is not handed out sooner than before;
 *   - the next call's leg starts from nothing (control.c makes a new leg
 *     with a new latch: no re-latching onto the ended call's phone), and
 *     packets queued while parked are drained before the leg can see any
 *     (a straggler of the ended call must not become the new call's first
 *     packet: two consecutive ones from one address would pass the latch
 *     check of leg.c, the RTP-bleed hole);
 *   - buffers are set once, when the pair opens;
 *   - the process stays within its descriptors: RLIMIT_NOFILE's soft limit
 *     is raised to the hard one at start, and pairs beyond a cap derived
 *     from it are closed at the end of their call (the old behaviour); a
 *     new pair finding no descriptor left closes a parked one first.
 * A worker (JS plane) wanting a parked port asks for it to be closed first
 * (control.c 'U'). At exit the kernel closes everything.
 */
#include "relay.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

/* Descriptors kept for anything but pairs: stdio, epoll, and slack. */
#define FD_RESERVE 64

static struct port_pair *pairs[32768]; /* by port / 2 */
static struct port_pair *parked_head, *parked_tail;
static unsigned long long open_pairs, parked_pairs, parked_dropped, pair_cap;

void pairs_init(void) {
  struct rlimit rl;
  unsigned long long limit = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      rlim_t soft = rl.rlim_cur;
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = soft;
    }
    limit = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : (unsigned long long)rl.rlim_cur;
  }
  pair_cap = limit > FD_RESERVE + 2 ? (limit - FD_RESERVE) / 2 : 1;
}

/*
 * Reads and drops everything queued on `fd`; returns how many datagrams.
 * One-byte buffers: the datagram is discarded whole (MSG_TRUNC) without
 * being copied out. Ends on EAGAIN; a queued socket error (an ICMP report)
 * ends a read early and is consumed by it, so the loop goes on past it.
 */
static unsigned long long drain(int fd) {
  static uint8_t sink[RECV_BATCH];
  static struct iovec iov[RECV_BATCH];
  static struct mmsghdr m[RECV_BATCH];
  static bool ready;
  if (!ready) {
    for (int i = 0; i < RECV_BATCH; i++) {
      iov[i].iov_base = &sink[i];
      iov[i].iov_len = 1;
      m[i].msg_hdr.msg_iov = &iov[i];
      m[i].msg_hdr.msg_iovlen = 1;
    }
    ready = true;
  }
  unsigned long long total = 0;
  for (int round = 0; round < 1024; round++) {
    int got = recvmmsg(fd, m, RECV_BATCH, MSG_DONTWAIT, NULL);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EBADF) break;
      continue;
    }
    total += (unsigned)got;
  }
  return total;
}

/*
 * `granted` set: the RTP socket, given the configured buffers (a media
 * stream, and RTCP too when multiplexed on it, RFC 5761). NULL: the RTCP
 * socket, left at the system's default buffers, which hold hundreds of
 * RTCP packets (a few a second at most, RFC 3550 §6.2).
 */
static int open_socket(uint16_t port, struct socket_ref *ref, int *granted) {
  int family = g_settings.bind.sa.ss_family;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (granted) {
    /* The OS may grant less than asked (net.core.rmem_max); the stats report what it granted. */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &g_settings.recv_buffer, sizeof g_settings.recv_buffer);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &g_settings.send_buffer, sizeof g_settings.send_buffer);
    socklen_t l = sizeof *granted;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, granted, &l) != 0) *granted = 0;
  }
  struct endpoint local;
  endpoint_with_port(&local, &g_settings.bind, port);
  if (bind(fd, (struct sockaddr *)&local.sa, local.len) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ref};
  if (epoll_ctl(g_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static void unlink_parked(struct port_pair *p) {
  if (p->parked_prev) p->parked_prev->parked_next = p->parked_next;
  else parked_head = p->parked_next;
  if (p->parked_next) p->parked_next->parked_prev = p->parked_prev;
  else parked_tail = p->parked_prev;
  p->parked_prev = p->parked_next = NULL;
  p->parked = false;
  parked_pairs--;
}

/* close() also drops the fds from the epoll set. Only control.c's requests get here, and main.c takes a fresh epoll batch after them. */
static void close_pair(struct port_pair *p) {
  if (p->parked) unlink_parked(p);
  close(p->rtp_fd);
  close(p->rtcp_fd);
  pairs[p->port >> 1] = NULL;
  open_pairs--;
  free(p);
}

/* Binds RTP on the even port and RTCP on the one above (RFC 3550 §11). Returns 0 or an errno. */
static int open_pair(uint16_t port, struct port_pair **out) {
  struct port_pair *p = calloc(1, sizeof *p);
  if (!p) return ENOMEM;
  p->port = port;
  p->rtp_ref = (struct socket_ref){.pair = p, .rtcp = false};
  p->rtcp_ref = (struct socket_ref){.pair = p, .rtcp = true};
  int fd = open_socket(port, &p->rtp_ref, &p->recv_buffer);
  if (fd < 0) {
    free(p);
    return -fd;
  }
  p->rtp_fd = fd;
  fd = open_socket((uint16_t)(port + 1), &p->rtcp_ref, NULL);
  if (fd < 0) {
    close(p->rtp_fd);
    free(p);
    return -fd;
  }
  p->rtcp_fd = fd;
  *out = p;
  return 0;
}

int pair_take(uint16_t port, struct leg *leg, struct port_pair **out) {
  struct port_pair *p = pairs[port >> 1];
  if (p) {
    if (!p->parked) return EADDRINUSE;
    unlink_parked(p);
    /* Before the leg exists for the packet path: nothing the ended call's phone sent can reach it. */
    parked_dropped += drain(p->rtp_fd) + drain(p->rtcp_fd);
    p->leg = leg;
    *out = p;
    return 0;
  }
  int e = open_pair(port, &p);
  if ((e == EMFILE || e == ENFILE) && parked_tail) {
    /* Out of descriptors (calls beyond the cap, or another limit): a parked pair makes room. The
       most recently parked one: the round-robin pool hands it out last, where the longest-parked
       is next (evicting that one would make every following call reopen its pair). */
    close_pair(parked_tail);
    e = open_pair(port, &p);
  }
  if (e) return e;
  open_pairs++;
  pairs[port >> 1] = p;
  p->leg = leg;
  *out = p;
  return 0;
}

/*
 * Parked while the open pairs (this one included) fit the cap; beyond it
 * closed. With ports handed out round-robin, that keeps a fixed set of
 * pairs parked when the range is larger than the cap, rather than cycling
 * every pair through (any least-recently-used rule would miss every time).
 */
void pair_release(struct port_pair *p, bool park) {
  p->leg = NULL;
  if (!park || open_pairs > pair_cap) {
    close_pair(p);
    return;
  }
  p->parked = true;
  p->parked_prev = parked_tail;
  p->parked_next = NULL;
  if (parked_tail) parked_tail->parked_next = p;
  else parked_head = p;
  parked_tail = p;
  parked_pairs++;
}

int pairs_unpark(uint16_t port) {
  struct port_pair *p = pairs[port >> 1];
  if (!p || !p->parked || p->port != port) return 0;
  close_pair(p);
  return 1;
}

void pair_parked_readable(struct port_pair *p, bool rtcp) { parked_dropped += drain(rtcp ? p->rtcp_fd : p->rtp_fd); }

struct pair_counts pairs_counts(void) {
  return (struct pair_counts){.open_pairs = open_pairs, .parked_pairs = parked_pairs, .parked_dropped = parked_dropped, .pair_cap = pair_cap};
}
