/*
 * The calls this process relays: found by the id MediaRelay gave them, and
 * each local port's leg (so a port is never bound twice). Also the
 * inactivity check, with relayed-call.ts checkActivity()'s semantics: a
 * call whose media was negotiated and that has had no accepted RTP or RTCP
 * from either leg, nor a new offer/answer, for its window is reported
 * once; media afterwards (or a new answer) arms the report again. The
 * window is the hold one while the call is on hold. The B2BUA ends dead
 * calls on it.
 */
#include "relay.h"

#include <stdio.h>
#include <stdlib.h>

#define CALL_BUCKETS 4096

static struct call *buckets[CALL_BUCKETS];
static struct call *all_calls;
static struct leg *port_legs[65536];

struct call *call_find(uint32_t id) {
  for (struct call *c = buckets[id % CALL_BUCKETS]; c; c = c->hash_next) {
    if (c->id == id) return c;
  }
  return NULL;
}

struct call *call_get_or_create(uint32_t id) {
  struct call *c = call_find(id);
  if (c) return c;
  c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->id = id;
  c->negotiated_ms = -1;
  c->last_heard_ms = -1;
  c->hash_next = buckets[id % CALL_BUCKETS];
  buckets[id % CALL_BUCKETS] = c;
  c->next = all_calls;
  if (all_calls) all_calls->prev = c;
  all_calls = c;
  return c;
}

/*
 * Forgets the call. Its port pairs are parked for the next call on them
 * (`park`), or closed: the ports are then free for another program (a
 * worker) once this returns.
 */
void call_destroy(struct call *call, bool park) {
  struct leg *leg = call->legs;
  while (leg) {
    struct leg *next = leg->call_next;
    leg_close(leg, park);
    port_legs[leg->port] = NULL;
    port_legs[(uint16_t)(leg->port + 1)] = NULL;
    free(leg);
    leg = next;
  }
  struct call **slot = &buckets[call->id % CALL_BUCKETS];
  while (*slot && *slot != call) slot = &(*slot)->hash_next;
  if (*slot) *slot = call->hash_next;
  if (call->prev) call->prev->next = call->next;
  else all_calls = call->next;
  if (call->next) call->next->prev = call->prev;
  free(call);
}

struct leg *call_leg_by_port(struct call *call, uint16_t port) {
  struct leg *leg = port_legs[port];
  return leg && leg->call == call && leg->port == port ? leg : NULL;
}

bool port_taken(uint16_t port) { return port_legs[port] != NULL; }

void port_set(uint16_t port, struct leg *leg) { port_legs[port] = leg; }

/*
 * An offer/answer completed: both phones spoke, so the window starts
 * afresh (a resume gets its full minute, however long the hold was). A leg
 * whose SDP does not let media flow both ways (sendonly, recvonly,
 * inactive, or c=0.0.0.0, which makes sends_to false) puts the call on
 * hold: a held stream carries no RTP by design (RFC 3264 §5.1, §8.4) and
 * many phones send no RTCP meanwhile.
 */
void call_negotiated(struct call *call) {
  call->negotiated_ms = g_now_ms;
  call->inactive_reported = false;
  call->held = false;
  for (struct leg *l = call->legs; l; l = l->call_next) {
    if (l->configured && !(l->cfg.receives_from && l->cfg.sends_to)) call->held = true;
  }
}

void calls_tick(void) {
  for (struct call *c = all_calls; c; c = c->next) {
    if (c->negotiated_ms < 0) continue;
    int64_t last = c->last_heard_ms > c->negotiated_ms ? c->last_heard_ms : c->negotiated_ms;
    if (c->inactive_reported && last != c->reported_for_ms) c->inactive_reported = false;
    if (c->inactive_reported) continue;
    int64_t idle = g_now_ms - last;
    if (idle >= (c->held ? g_settings.hold_inactivity_ms : g_settings.inactivity_ms)) {
      c->inactive_reported = true;
      c->reported_for_ms = last;
      char line[64];
      snprintf(line, sizeof line, "I %u %lld\n", c->id, (long long)idle);
      emit_line(line);
    }
  }
}
