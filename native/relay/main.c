/*
 * sotto-relay <bind-address> <recv-buffer> <send-buffer> <inactivity-ms> <hold-inactivity-ms> [held]
 *
 * The two windows of the inactivity check (calls.c): a call with media
 * both ways, a call on hold. `held` (tests) stands the clock still: it
 * moves only when a T request moves it (control.c), so no call is reported
 * inactive by the wall clock.
 *
 * One thread, one epoll set: the control pipe (stdin) and every open port
 * pair's sockets (a call's, or parked between calls: port-pair.c),
 * level-triggered. The program lives exactly as long as its
 * parent: when MediaRelay's end of stdin closes (close(), or the parent
 * died, even by SIGKILL, since the kernel closes its descriptors) read()
 * returns 0 and we exit, so no orphan keeps ports bound (parked ones
 * included: the kernel closes every socket of an exiting process).
 * Nothing here logs addresses or payload; stderr carries codes only.
 */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct settings g_settings;
int64_t g_now_ms;
int g_epoll;

#define CONTROL_LINE_MAX 1024
#define EPOLL_BATCH 256

static int64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Lines to stdout are gathered and written once per epoll batch
 * (emit_flush): each write wakes MediaRelay's thread, and the requests of
 * one batch (MediaRelay writes those of one event-loop turn together) are
 * answered in one wake-up. Replies still go out in request order.
 */
static char out[16384];
static size_t out_used;

/* Writes all of `len` bytes (blocking: replies are small and MediaRelay reads them at once). */
static void write_all(const char *p, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(STDOUT_FILENO, p + done, len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) exit(0); /* the parent is gone */
    done += (size_t)w;
  }
}

void emit_flush(void) {
  write_all(out, out_used);
  out_used = 0;
}

void emit_line(const char *line) {
  size_t len = strlen(line);
  if (out_used + len > sizeof out) emit_flush();
  if (len > sizeof out) {
    write_all(line, len);
    return;
  }
  memcpy(out + out_used, line, len);
  out_used += len;
}

static char control[CONTROL_LINE_MAX];
static size_t control_used;
static bool control_overflow;

/* Reads what the pipe holds and runs each complete line; returns false on EOF. */
static bool read_control(void) {
  char chunk[4096];
  ssize_t got = read(STDIN_FILENO, chunk, sizeof chunk);
  if (got == 0) return false;
  if (got < 0) return errno == EAGAIN || errno == EINTR;
  for (ssize_t i = 0; i < got; i++) {
    char c = chunk[i];
    if (c != '\n') {
      if (control_used < sizeof control - 1) control[control_used++] = c;
      else control_overflow = true;
      continue;
    }
    control[control_used] = 0;
    if (control_overflow) emit_line("R 0 ERR RELAY_BAD_REQUEST\n");
    else if (control_used > 0) control_line(control);
    control_used = 0;
    control_overflow = false;
  }
  return true;
}

static int usage(void) {
  fputs("sotto-relay: usage: sotto-relay <bind-address> <recv-buffer> <send-buffer> <inactivity-ms> <hold-inactivity-ms> [held]\n", stderr);
  return 2;
}

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) return usage();
  if (argc == 7 && strcmp(argv[6], "held") != 0) return usage();
  signal(SIGPIPE, SIG_IGN); /* a write to a dead parent fails with EPIPE and we exit from emit_line */
  /* Ctrl-C in a terminal signals the whole foreground process group, and
   * systemd's stop (KillMode=control-group) and timeout(1) send SIGTERM to
   * every process of the service: the parent then stops its calls and
   * closes our stdin, and we exit on that, not on the signal (which made
   * every clean stop log the relay as lost). A parent that dies outright
   * still ends us: the kernel closes the pipe. */
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  int family = strchr(argv[1], ':') ? AF_INET6 : AF_INET;
  if (!endpoint_parse(&g_settings.bind, argv[1], 0, family)) return usage();
  g_settings.recv_buffer = atoi(argv[2]);
  g_settings.send_buffer = atoi(argv[3]);
  g_settings.inactivity_ms = atoll(argv[4]);
  g_settings.hold_inactivity_ms = atoll(argv[5]);
  g_settings.clock_held = argc == 7;
  if (g_settings.inactivity_ms <= 0 || g_settings.hold_inactivity_ms <= 0) return usage();
  /* relayed-call.ts: a few ticks per timeout, between 20 ms and 1 s. */
  int64_t tick_ms = g_settings.inactivity_ms / 4;
  if (tick_ms < 20) tick_ms = 20;
  if (tick_ms > 1000) tick_ms = 1000;

  pairs_init();
  g_epoll = epoll_create1(EPOLL_CLOEXEC);
  if (g_epoll < 0) {
    fputs("sotto-relay: RELAY_NATIVE_EPOLL\n", stderr);
    return 1;
  }
  fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(g_epoll, EPOLL_CTL_ADD, STDIN_FILENO, &ev) != 0) {
    fputs("sotto-relay: RELAY_NATIVE_CONTROL\n", stderr);
    return 1;
  }
  g_now_ms = g_settings.clock_held ? 0 : monotonic_ms();
  int64_t next_tick = g_now_ms + tick_ms;
  emit_line("READY 1\n");
  emit_flush();

  struct epoll_event events[EPOLL_BATCH];
  for (;;) {
    int wait_ms = (int)(next_tick - g_now_ms);
    if (wait_ms < 0) wait_ms = 0;
    int n = epoll_wait(g_epoll, events, EPOLL_BATCH, wait_ms);
    if (n < 0 && errno != EINTR) return 1;
    if (!g_settings.clock_held) g_now_ms = monotonic_ms();
    for (int i = 0; i < n; i++) {
      struct socket_ref *ref = events[i].data.ptr;
      if (!ref) {
        if (!read_control()) return 0;
        /* A request in this batch may have closed sockets whose events follow (a move, an unpark, an
           eviction), or handed a parked pair to a new leg: take a fresh batch. */
        break;
      }
      if (ref->pair->leg) leg_readable(ref->pair->leg, ref->rtcp);
      else pair_parked_readable(ref->pair, ref->rtcp);
    }
    if (g_now_ms >= next_tick) {
      calls_tick();
      next_tick = g_now_ms + tick_ms;
    }
    if (out_used > 0) emit_flush();
  }
}
