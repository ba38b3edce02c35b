/* Socket addresses of phones: parsed from the control protocol's text, compared as the latch needs. */
#include "relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

bool endpoint_parse(struct endpoint *e, const char *ip, long port, int family) {
  memset(e, 0, sizeof *e);
  if (port < 0 || port > 65535) return false;
  if (family == AF_INET) {
    struct sockaddr_in *s = (struct sockaddr_in *)&e->sa;
    s->sin_family = AF_INET;
    s->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, ip, &s->sin_addr) != 1) return false;
    e->len = sizeof *s;
    return true;
  }
  struct sockaddr_in6 *s = (struct sockaddr_in6 *)&e->sa;
  s->sin6_family = AF_INET6;
  s->sin6_port = htons((uint16_t)port);
  if (inet_pton(AF_INET6, ip, &s->sin6_addr) != 1) return false;
  e->len = sizeof *s;
  return true;
}

bool endpoint_same_ip(const struct endpoint *a, const struct endpoint *b) {
  if (a->sa.ss_family != b->sa.ss_family) return false;
  if (a->sa.ss_family == AF_INET) {
    return ((const struct sockaddr_in *)&a->sa)->sin_addr.s_addr == ((const struct sockaddr_in *)&b->sa)->sin_addr.s_addr;
  }
  return memcmp(&((const struct sockaddr_in6 *)&a->sa)->sin6_addr, &((const struct sockaddr_in6 *)&b->sa)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

uint16_t endpoint_port(const struct endpoint *e) {
  if (e->sa.ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)&e->sa)->sin_port);
  return ntohs(((const struct sockaddr_in6 *)&e->sa)->sin6_port);
}

bool endpoint_same(const struct endpoint *a, const struct endpoint *b) {
  return endpoint_port(a) == endpoint_port(b) && endpoint_same_ip(a, b);
}

/* `e` becomes `ip_of`'s address with another port. */
void endpoint_with_port(struct endpoint *e, const struct endpoint *ip_of, uint16_t port) {
  *e = *ip_of;
  if (e->sa.ss_family == AF_INET) ((struct sockaddr_in *)&e->sa)->sin_port = htons(port);
  else ((struct sockaddr_in6 *)&e->sa)->sin6_port = htons(port);
}

/* "ip port", for the stats reply only (never logged). */
void endpoint_format(const struct endpoint *e, char *out, size_t size) {
  char ip[INET6_ADDRSTRLEN] = "-";
  if (e->sa.ss_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)&e->sa)->sin_addr, ip, sizeof ip);
  else if (e->sa.ss_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&e->sa)->sin6_addr, ip, sizeof ip);
  snprintf(out, size, "%s,%u", ip, (unsigned)endpoint_port(e));
}
