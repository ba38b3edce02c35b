/*
 * The control protocol, one line per message, ASCII, space-separated
 * tokens (src/media/relay/native-protocol.ts is the other end):
 *
 *   MediaRelay -> relay                     relay -> MediaRelay
 *   P <seq>                   ping          R <seq> OK
 *   B <seq> <call> <port>...  bind pairs    R <seq> OK | R <seq> ERR <code> <port> <errno>
 *   C <seq> <call> <leg> [<leg>]            R <seq> OK | R <seq> ERR <code>
 *        leg = port,ip,rtpPort,rtcpPort,pt,eventPt,dir,latch
 *        dir: bit 1 receive from the phone, bit 2 send to it; eventPt -1 = none;
 *        two legs are paired (each relays to the other)
 *   D <seq> <call>            delete        R <seq> OK <legstats>... (its last stats; its sockets are closed)
 *   E <seq> <call>            end           R <seq> OK               (forgotten, its port pairs parked: port-pair.c)
 *   U <seq> <port>...         unpark        R <seq> OK               (parked pairs on these ports closed)
 *   S <seq> <call>            stats         R <seq> OK <legstats>...
 *   Q <seq>                   plane stats   R <seq> PLANE <openPairs> <parkedPairs> <parkedDropped> <pairCap>
 *   T <seq> <ms>              clock         R <seq> OK  (held clock only: moved on, inactivity checked;
 *                                                        its I events come before the reply)
 *        legstats = port,latched,received,sent,refused,malformed,unexpectedPt,
 *                   rtcpReceived,rtcpSent,recvBuffer,peerIp,peerPort
 *                                           I <call> <idleMs>   (event: inactivity)
 *
 * One B per offer (both legs' ports), one C per answer; E when the call
 * ends, D when it moves to the workers (who bind its ports next), U before
 * a worker binds ports this program may hold parked. Replies come in
 * request order. A line this code cannot read gets ERR RELAY_BAD_REQUEST;
 * the program never exits on input it does not like, only on EOF.
 */
#include "relay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reply_ok(const char *seq) {
  char line[64];
  snprintf(line, sizeof line, "R %s OK\n", seq);
  emit_line(line);
}

static void reply_err(const char *seq, const char *code, const char *detail) {
  char line[128];
  snprintf(line, sizeof line, "R %s ERR %s%s%s\n", seq, code, detail ? " " : "", detail ? detail : "");
  emit_line(line);
}

static bool parse_long(const char *s, long min, long max, long *out) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < min || v > max) return false;
  *out = v;
  return true;
}

static bool parse_call(const char *s, uint32_t *id) {
  long v;
  if (!parse_long(s, 0, 0xffffffffL, &v)) return false;
  *id = (uint32_t)v;
  return true;
}

static const char *errno_code(int e) {
  switch (e) {
  case EADDRINUSE: return "EADDRINUSE";
  case EACCES: return "EACCES";
  case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case EMFILE: return "EMFILE";
  case ENFILE: return "ENFILE";
  default: return "EOTHER";
  }
}

/* 1..max even RTP ports (each with its RTCP port above it) into values; false for anything else. */
static bool parse_even_ports(char **ports, int count, int max, long *values) {
  if (count < 1 || count > max) return false;
  for (int i = 0; i < count; i++) {
    if (!parse_long(ports[i], 1, 65534, &values[i]) || (values[i] & 1)) return false;
  }
  return true;
}

static void do_bind(const char *seq, uint32_t id, char **ports, int count) {
  long values[8];
  if (!parse_even_ports(ports, count, 8, values)) {
    reply_err(seq, "RELAY_BAD_REQUEST", NULL);
    return;
  }
  struct call *call = call_get_or_create(id);
  if (!call) {
    reply_err(seq, "RELAY_NO_MEMORY", NULL);
    return;
  }
  struct leg *opened[8];
  int done = 0;
  for (; done < count; done++) {
    uint16_t port = (uint16_t)values[done];
    int e = 0;
    struct leg *leg = NULL;
    opened[done] = NULL;
    if (call_leg_by_port(call, port)) continue; /* already this call's: a re-offer */
    if (port_taken(port) || port_taken((uint16_t)(port + 1))) e = EADDRINUSE;
    else if (!(leg = calloc(1, sizeof *leg))) e = ENOMEM;
    else {
      leg->rtp_fd = leg->rtcp_fd = -1;
      e = leg_open(leg, port);
    }
    if (e) {
      free(leg);
      for (int i = 0; i < done; i++) {
        if (!opened[i]) continue;
        struct leg **slot = &call->legs;
        while (*slot && *slot != opened[i]) slot = &(*slot)->call_next;
        if (*slot) *slot = opened[i]->call_next;
        port_set(opened[i]->port, NULL);
        port_set((uint16_t)(opened[i]->port + 1), NULL);
        /* Closed, not parked: MediaRelay returns these ports to its pool believing them free. */
        leg_close(opened[i], false);
        free(opened[i]);
      }
      if (!call->legs) call_destroy(call, false);
      char detail[32];
      snprintf(detail, sizeof detail, "%u %s", (unsigned)port, errno_code(e));
      reply_err(seq, "RELAY_BIND_FAILED", detail);
      return;
    }
    leg->call = call;
    leg->call_next = call->legs;
    call->legs = leg;
    port_set(port, leg);
    port_set((uint16_t)(port + 1), leg);
    opened[done] = leg;
  }
  reply_ok(seq);
}

/* Closes the parked pairs on these ports (a worker binds them next); ports this program does not hold parked are left alone. */
static void do_unpark(const char *seq, char **ports, int count) {
  long values[10];
  if (!parse_even_ports(ports, count, 10, values)) {
    reply_err(seq, "RELAY_BAD_REQUEST", NULL);
    return;
  }
  for (int i = 0; i < count; i++) pairs_unpark((uint16_t)values[i]);
  reply_ok(seq);
}

/* port,ip,rtpPort,rtcpPort,pt,eventPt,dir,latch */
static bool parse_leg(char *spec, long *port, struct leg_config *cfg) {
  char *fields[8];
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(spec, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (n == 8) return false; /* a ninth field: not a leg spec this code knows */
    fields[n++] = t;
  }
  if (n != 8) return false;
  long rtp, rtcp, pt, te, dir;
  if (!parse_long(fields[0], 1, 65534, port)) return false;
  if (!parse_long(fields[2], 0, 65535, &rtp) || !parse_long(fields[3], 0, 65535, &rtcp)) return false;
  if (!parse_long(fields[4], 0, 127, &pt) || !parse_long(fields[5], -1, 127, &te) || !parse_long(fields[6], 0, 3, &dir)) return false;
  if (strlen(fields[7]) != 1 || !strchr("noi", fields[7][0])) return false;
  memset(cfg, 0, sizeof *cfg);
  int family = g_settings.bind.sa.ss_family;
  if (!endpoint_parse(&cfg->rtp, fields[1], rtp, family) || !endpoint_parse(&cfg->rtcp, fields[1], rtcp, family)) return false;
  cfg->payload_type = (int)pt;
  cfg->event_payload_type = (int)te;
  cfg->receives_from = dir & 1;
  cfg->sends_to = dir & 2;
  cfg->latch = fields[7][0];
  return true;
}

static void do_configure(const char *seq, uint32_t id, char **specs, int count) {
  if (count < 1 || count > 2) {
    reply_err(seq, "RELAY_BAD_REQUEST", NULL);
    return;
  }
  struct call *call = call_find(id);
  if (!call) {
    reply_err(seq, "RELAY_UNKNOWN_CALL", NULL);
    return;
  }
  struct leg *legs[2] = {NULL, NULL};
  struct leg_config cfgs[2];
  for (int i = 0; i < count; i++) {
    long port;
    if (!parse_leg(specs[i], &port, &cfgs[i])) {
      reply_err(seq, "RELAY_BAD_REQUEST", NULL);
      return;
    }
    legs[i] = call_leg_by_port(call, (uint16_t)port);
    if (!legs[i]) {
      reply_err(seq, "RELAY_UNKNOWN_LEG", NULL);
      return;
    }
  }
  if (count == 2 && legs[0] == legs[1]) {
    reply_err(seq, "RELAY_BAD_REQUEST", NULL);
    return;
  }
  for (int i = 0; i < count; i++) leg_configure(legs[i], &cfgs[i]);
  if (count == 2) {
    legs[0]->peer = legs[1];
    legs[1]->peer = legs[0];
  }
  call_negotiated(call);
  reply_ok(seq);
}

static void do_stats(const char *seq, uint32_t id) {
  struct call *call = call_find(id);
  if (!call) {
    reply_err(seq, "RELAY_UNKNOWN_CALL", NULL);
    return;
  }
  char line[1024];
  size_t used = (size_t)snprintf(line, sizeof line, "R %s OK", seq);
  for (struct leg *l = call->legs; l && used < sizeof line; l = l->call_next) {
    char peer[64] = "-,0";
    if (l->latched) endpoint_format(&l->peer_rtp, peer, sizeof peer);
    used += (size_t)snprintf(line + used, sizeof line - used, " %u,%d,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%d,%s", (unsigned)l->port, l->latched ? 1 : 0,
                             (unsigned long long)l->n.received, (unsigned long long)l->n.sent, (unsigned long long)l->n.refused,
                             (unsigned long long)l->n.malformed, (unsigned long long)l->n.unexpected_pt, (unsigned long long)l->n.rtcp_received,
                             (unsigned long long)l->n.rtcp_sent, l->pair ? l->pair->recv_buffer : 0, peer);
  }
  if (used >= sizeof line - 1) {
    reply_err(seq, "RELAY_BAD_REQUEST", NULL);
    return;
  }
  line[used++] = '\n';
  line[used] = 0;
  emit_line(line);
}

void control_line(char *line) {
  char *tokens[12];
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(line, " ", &save); t && n < 12; t = strtok_r(NULL, " ", &save)) tokens[n++] = t;
  if (n < 2 || strlen(tokens[0]) != 1 || strlen(tokens[1]) > 12) {
    emit_line("R 0 ERR RELAY_BAD_REQUEST\n");
    return;
  }
  const char *seq = tokens[1];
  long seq_value;
  if (!parse_long(seq, 0, 0x7fffffffL, &seq_value)) {
    emit_line("R 0 ERR RELAY_BAD_REQUEST\n");
    return;
  }
  char op = tokens[0][0];
  if (op == 'P' && n == 2) {
    reply_ok(seq);
    return;
  }
  if (op == 'Q' && n == 2) {
    struct pair_counts c = pairs_counts();
    char out[160];
    snprintf(out, sizeof out, "R %s PLANE %llu %llu %llu %llu\n", seq, c.open_pairs, c.parked_pairs, c.parked_dropped, c.pair_cap);
    emit_line(out);
    return;
  }
  if (op == 'U') {
    do_unpark(seq, tokens + 2, n - 2);
    return;
  }
  if (op == 'T') {
    long advance;
    if (n != 3 || !g_settings.clock_held || !parse_long(tokens[2], 0, 0x7fffffffL, &advance)) {
      reply_err(seq, "RELAY_BAD_REQUEST", NULL);
      return;
    }
    g_now_ms += advance;
    calls_tick();
    reply_ok(seq);
    return;
  }
  uint32_t id;
  if (n < 3 || !parse_call(tokens[2], &id)) {
    reply_err(seq, "RELAY_BAD_REQUEST", NULL);
    return;
  }
  switch (op) {
  case 'B': {
    do_bind(seq, id, tokens + 3, n - 3);
    return;
  }
  case 'C': {
    do_configure(seq, id, tokens + 3, n - 3);
    return;
  }
  case 'D': {
    /* The last stats and the close in one step: no packet is handled in
       between, so a latch made just before the delete is in the reply (a
       call moving to the JS workers carries its latches over). */
    struct call *call = call_find(id);
    if (!call) {
      reply_ok(seq);
      return;
    }
    do_stats(seq, id);
    call_destroy(call, false);
    return;
  }
  case 'E': {
    /* The call is over: nobody reads its last stats (formatting them was a
       tenth of this program's CPU per call), and its pairs stay open. */
    struct call *call = call_find(id);
    if (call) call_destroy(call, true);
    reply_ok(seq);
    return;
  }
  case 'S': {
    do_stats(seq, id);
    return;
  }
  default: {
    reply_err(seq, "RELAY_BAD_REQUEST", NULL);
    return;
  }
  }
}
