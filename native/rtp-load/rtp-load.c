/*
 * rtp-load <address> <sockets> <warmup-ms> <window-ms> <drain-ms>
 *
 * The benchmarks' load generator: <sockets> phones, each sending one
 * 172-octet PCMU packet (RFC 3550 header + 160 octets, 20 ms) every 20 ms
 * to where it is told, and receiving what the relay sends back. Written in
 * C because one Node thread cannot send 100,000 packets a second, which
 * 1,000 calls need; the relay, not the generator, must be what is measured.
 *
 *   stdout: PORTS <port>...          (one per phone, bound on <address>)
 *   stdin:  TARGETS <port>...        (where each phone sends)
 *   stdout: RESULT <sent> <received> <min-us> <p50-us> <p99-us>
 *
 * Only packets sent inside the window (after the warm-up) count, wherever
 * they are when it closes; each carries its send time (CLOCK_MONOTONIC ns)
 * at octet 12, so the one-way delay through the relay is measured per
 * packet. Sends are spread over ten 2 ms slices per 20 ms, and slices due
 * by the clock are sent even when the loop woke late, so the load holds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PACKET 172
#define MAGIC 0x50d0u
#define BATCH 8

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int compare(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fputs("usage: rtp-load <address> <sockets> <warmup-ms> <window-ms> <drain-ms>\n", stderr);
    return 2;
  }
  int n = atoi(argv[2]);
  int64_t warmup = atoll(argv[3]) * 1000000, window = atoll(argv[4]) * 1000000, drain = atoll(argv[5]) * 1000000;
  if (n <= 0 || n > 20000) return 2;
  struct sockaddr_in local = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, argv[1], &local.sin_addr) != 1) return 2;
  int *fds = calloc((size_t)n, sizeof *fds);
  struct sockaddr_in *targets = calloc((size_t)n, sizeof *targets);
  uint16_t *seq = calloc((size_t)n, sizeof *seq);
  int ep = epoll_create1(0);
  printf("PORTS");
  for (int i = 0; i < n; i++) {
    fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int buf = 1 << 20;
    setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&local, sizeof local) != 0) {
      fprintf(stderr, "rtp-load: cannot bind (%d)\n", errno);
      return 1;
    }
    struct sockaddr_in bound;
    socklen_t len = sizeof bound;
    getsockname(fds[i], (struct sockaddr *)&bound, &len);
    printf(" %u", ntohs(bound.sin_port));
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  printf("\n");
  fflush(stdout);
  if (scanf(" TARGETS") != 0) return 1;
  for (int i = 0; i < n; i++) {
    unsigned port;
    if (scanf("%u", &port) != 1) return 1;
    targets[i] = local;
    targets[i].sin_port = htons((uint16_t)port);
  }

  size_t cap = (size_t)n * (size_t)(window / 20000000 + 2);
  uint32_t *delays = malloc(cap * sizeof *delays);
  size_t received = 0;
  uint64_t sent = 0;
  uint8_t packet[PACKET];
  memset(packet, 0xff, sizeof packet);
  packet[0] = 0x80;
  packet[1] = 0;
  int64_t start = now_ns(), window_start = start + warmup, window_end = window_start + window, stop = window_end + drain;
  int64_t slices = 0;
  struct epoll_event events[256];
  static uint8_t in[BATCH][2048];
  static struct iovec iov[BATCH];
  static struct mmsghdr msgs[BATCH];
  for (int m = 0; m < BATCH; m++) {
    iov[m] = (struct iovec){.iov_base = in[m], .iov_len = sizeof in[m]};
    msgs[m].msg_hdr = (struct msghdr){.msg_iov = &iov[m], .msg_iovlen = 1};
  }
  for (;;) {
    int64_t t = now_ns();
    if (t >= stop) break;
    /* Send every slice now due: 2 ms each, a tenth of the phones per slice. */
    int64_t due = (t - start) / 2000000;
    if (t < window_end) {
      for (; slices <= due; slices++) {
        for (int i = (int)(slices % 10); i < n; i += 10) {
          uint16_t s = seq[i]++;
          packet[2] = (uint8_t)(s >> 8);
          packet[3] = (uint8_t)s;
          uint32_t ts = (uint32_t)s * 160, ssrc = (uint32_t)i + 1;
          for (int k = 0; k < 4; k++) {
            packet[4 + k] = (uint8_t)(ts >> (24 - 8 * k));
            packet[8 + k] = (uint8_t)(ssrc >> (24 - 8 * k));
          }
          int64_t stamp = now_ns();
          memcpy(packet + 12, &stamp, sizeof stamp);
          packet[20] = MAGIC >> 8;
          packet[21] = MAGIC & 0xff;
          sendto(fds[i], packet, PACKET, 0, (struct sockaddr *)&targets[i], sizeof targets[i]);
          if (stamp >= window_start && stamp < window_end) sent++;
        }
      }
    }
    int64_t next = start + slices * 2000000;
    int wait_ms = (int)((next - now_ns()) / 1000000);
    if (wait_ms < 0) wait_ms = 0;
    int got = epoll_wait(ep, events, 256, wait_ms);
    for (int e = 0; e < got; e++) {
      /* One recvmmsg takes what the socket holds: no extra EAGAIN call per wakeup. */
      int r = recvmmsg(fds[events[e].data.u32], msgs, BATCH, MSG_DONTWAIT, NULL);
      int64_t at = now_ns();
      for (int m = 0; m < r; m++) {
        const uint8_t *p = in[m];
        if (msgs[m].msg_len != PACKET || (p[1] & 0x7f) != 0 || p[20] != (MAGIC >> 8) || p[21] != (MAGIC & 0xff)) continue;
        int64_t stamp;
        memcpy(&stamp, p + 12, sizeof stamp);
        if (stamp < window_start || stamp >= window_end) continue;
        if (received < cap) delays[received] = (uint32_t)((at - stamp) / 1000);
        received++;
      }
    }
  }
  size_t kept = received < cap ? received : cap;
  qsort(delays, kept, sizeof *delays, compare);
  uint32_t p50 = kept ? delays[kept / 2] : 0, p99 = kept ? delays[(size_t)(kept * 0.99)] : 0, min = kept ? delays[0] : 0;
  printf("RESULT %llu %zu %u %u %u\n", (unsigned long long)sent, received, min, p50, p99);
  return 0;
}
