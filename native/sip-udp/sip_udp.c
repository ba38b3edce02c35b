/*
 * sotto-sip-udp: the SIP UDP socket's system-call half, as a Node-API addon
 * loaded into the Sotto process (no second process, no pipes).
 *
 * Why: through node:dgram every datagram received costs a Buffer, an rinfo
 * object, an address string and an EventEmitter dispatch, and every datagram
 * sent a SendWrap, a lookup callback and a completion callback. At registrar
 * rates those cost about as much as the SIP work itself. Here:
 *
 *   - readiness comes from a uv_poll handle on the event loop Node already
 *     runs, so nothing wakes that would not have woken anyway;
 *   - one readable event drains up to BATCH datagrams with one recvmmsg(2)
 *     into a slab JS owns, with each datagram's length, source address and
 *     port written into a Uint32Array beside it, then makes ONE call into JS
 *     for the whole batch;
 *   - a send is one sendto(2), synchronous: a UDP send on Linux does not
 *     block for long (the datagram is copied into the socket's send buffer),
 *     and when that buffer is full (EAGAIN) JS keeps the datagram and asks
 *     for a writable event (wait_writable) to try again.
 *
 * Nothing here parses or logs SIP: bytes in, bytes out, errno numbers back.
 *
 * The JS side is src/sip/transport/native-udp.ts; the slab/meta layout below
 * is mirrored there.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

/* Datagrams drained per readable event, and the room each gets in the slab. */
#define BATCH 32
#define SLOT 65536
/* Per datagram in the meta array: length, port, family (4 or 6), flags, then 4 address words. */
#define META_WORDS 8
#define FLAG_TRUNCATED 1u

typedef struct udp_socket {
  int fd;
  int family; /* AF_INET or AF_INET6 */
  uv_poll_t poll;
  int events;
  int closing;
  napi_env env;
  napi_ref on_batch;    /* (count) => void */
  napi_ref on_writable; /* () => void */
  napi_ref resource;
  napi_async_context async_context;
  unsigned char *slab;  /* JS-owned Buffer's memory, BATCH * SLOT octets */
  uint32_t *meta;       /* JS-owned Uint32Array, BATCH * META_WORDS words */
  napi_ref slab_ref;
  napi_ref meta_ref;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
} udp_socket;

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, "SIP_UDP_NATIVE", "node-api call failed: " #call); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static napi_value number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

static udp_socket *socket_arg(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return data;
}

/* open(family 4|6, address words (network order as 4 uint32s, v4 in word 0), port, rcvbuf, sndbuf)
 * -> [handle, bound port] or a negative errno number. */
static napi_value sip_udp_open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) {
    napi_throw_type_error(env, "SIP_UDP_NATIVE", "open: 8 arguments");
    return NULL;
  }
  uint32_t family, a[4], port, rcvbuf, sndbuf;
  CHECK(napi_get_value_uint32(env, argv[0], &family));
  for (int i = 0; i < 4; i++) CHECK(napi_get_value_uint32(env, argv[1 + i], &a[i]));
  CHECK(napi_get_value_uint32(env, argv[5], &port));
  CHECK(napi_get_value_uint32(env, argv[6], &rcvbuf));
  CHECK(napi_get_value_uint32(env, argv[7], &sndbuf));

  int af = family == 6 ? AF_INET6 : AF_INET;
  int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return number(env, -errno);
  int zero = 0;
  if (af == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero); /* '::' is dual-stack, as with dgram */
  int size = (int)rcvbuf;
  if (size > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  size = (int)sndbuf;
  if (size > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);

  struct sockaddr_storage bind_to;
  socklen_t bind_len;
  memset(&bind_to, 0, sizeof bind_to);
  if (af == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&bind_to;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr.s_addr = htonl(a[0]);
    bind_len = sizeof *sin;
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&bind_to;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    for (int i = 0; i < 4; i++) {
      uint32_t w = htonl(a[i]);
      memcpy(&sin6->sin6_addr.s6_addr[4 * i], &w, 4);
    }
    bind_len = sizeof *sin6;
  }
  if (bind(fd, (struct sockaddr *)&bind_to, bind_len) != 0) {
    int e = errno;
    close(fd);
    return number(env, -e);
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &bound_len);
  uint16_t bound_port = af == AF_INET ? ntohs(((struct sockaddr_in *)&bound)->sin_port) : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);

  udp_socket *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return number(env, -ENOMEM);
  }
  s->fd = fd;
  s->family = af;
  s->env = env;
  napi_value handle, result;
  CHECK(napi_create_external(env, s, NULL, NULL, &handle));
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_set_element(env, result, 0, handle));
  CHECK(napi_set_element(env, result, 1, number(env, bound_port)));
  return result;
}

/* The kernel's actual buffer sizes: [receive, send]. */
static napi_value sip_udp_buffer_sizes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp_socket *s = argc == 1 ? socket_arg(env, argv[0]) : NULL;
  if (!s) return NULL;
  int rcv = 0, snd = 0;
  socklen_t len = sizeof rcv;
  getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len);
  len = sizeof snd;
  getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &snd, &len);
  napi_value result;
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_set_element(env, result, 0, number(env, rcv)));
  CHECK(napi_set_element(env, result, 1, number(env, snd)));
  return result;
}

static void write_source(uint32_t *m, const struct sockaddr_storage *from) {
  if (from->ss_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)from;
    m[1] = ntohs(sin->sin_port);
    m[2] = 4;
    m[4] = ntohl(sin->sin_addr.s_addr);
    return;
  }
  const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)from;
  m[1] = ntohs(sin6->sin6_port);
  if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
    /* An IPv4 peer on a dual-stack socket: reported as plain IPv4. */
    uint32_t w;
    memcpy(&w, &sin6->sin6_addr.s6_addr[12], 4);
    m[2] = 4;
    m[4] = ntohl(w);
    return;
  }
  m[2] = 6;
  for (int i = 0; i < 4; i++) {
    uint32_t w;
    memcpy(&w, &sin6->sin6_addr.s6_addr[4 * i], 4);
    m[4 + i] = ntohl(w);
  }
}

static void call_js(udp_socket *s, napi_ref ref, int argc, napi_value *argv) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, resource, ignored;
  if (napi_get_reference_value(env, ref, &fn) == napi_ok && napi_get_reference_value(env, s->resource, &resource) == napi_ok) {
    /* make_callback, not call_function: the nextTick queue and microtasks
     * run when it returns, as after any other I/O callback. */
    if (napi_make_callback(env, s->async_context, resource, fn, (size_t)argc, argv, &ignored) == napi_pending_exception) {
      napi_value exception;
      napi_get_and_clear_last_exception(env, &exception);
      napi_fatal_exception(env, exception);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *poll, int status, int events) {
  udp_socket *s = poll->data;
  if (s->closing) return;
  if (status < 0) return;
  if (events & UV_WRITABLE) {
    s->events &= ~UV_WRITABLE;
    uv_poll_start(&s->poll, s->events, on_poll);
    call_js(s, s->on_writable, 0, NULL);
    if (s->closing) return;
  }
  if (!(events & UV_READABLE)) return;
  for (int i = 0; i < BATCH; i++) {
    s->iov[i].iov_base = s->slab + (size_t)i * SLOT;
    s->iov[i].iov_len = SLOT;
    memset(&s->msgs[i].msg_hdr, 0, sizeof s->msgs[i].msg_hdr);
    s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
    s->msgs[i].msg_hdr.msg_iovlen = 1;
    s->msgs[i].msg_hdr.msg_name = &s->from[i];
    s->msgs[i].msg_hdr.msg_namelen = sizeof s->from[i];
  }
  int n = recvmmsg(s->fd, s->msgs, BATCH, MSG_DONTWAIT, NULL);
  if (n <= 0) return; /* EAGAIN, EINTR, or an error queued by ICMP: the next event tries again */
  for (int i = 0; i < n; i++) {
    uint32_t *m = s->meta + (size_t)i * META_WORDS;
    memset(m, 0, META_WORDS * sizeof *m);
    m[0] = s->msgs[i].msg_len;
    m[3] = (s->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? FLAG_TRUNCATED : 0;
    write_source(m, &s->from[i]);
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  napi_value count;
  napi_create_uint32(s->env, (uint32_t)n, &count);
  call_js(s, s->on_batch, 1, &count);
  napi_close_handle_scope(s->env, scope);
}

/* start(handle, slab Buffer, meta Uint32Array, onBatch, onWritable) */
static napi_value sip_udp_start(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp_socket *s = argc == 5 ? socket_arg(env, argv[0]) : NULL;
  if (!s || s->on_batch) {
    napi_throw_type_error(env, "SIP_UDP_NATIVE", "start: a fresh socket handle and 4 more arguments");
    return NULL;
  }
  void *slab;
  size_t slab_len;
  CHECK(napi_get_buffer_info(env, argv[1], &slab, &slab_len));
  napi_typedarray_type type;
  size_t meta_len;
  void *meta;
  napi_value meta_buffer;
  size_t meta_offset;
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &meta_len, &meta, &meta_buffer, &meta_offset));
  if (slab_len < (size_t)BATCH * SLOT || type != napi_uint32_array || meta_len < (size_t)BATCH * META_WORDS) {
    napi_throw_range_error(env, "SIP_UDP_NATIVE", "start: slab or meta too small");
    return NULL;
  }
  s->slab = slab;
  s->meta = meta;
  CHECK(napi_create_reference(env, argv[1], 1, &s->slab_ref));
  CHECK(napi_create_reference(env, argv[2], 1, &s->meta_ref));
  CHECK(napi_create_reference(env, argv[3], 1, &s->on_batch));
  CHECK(napi_create_reference(env, argv[4], 1, &s->on_writable));
  napi_value resource, name;
  CHECK(napi_create_object(env, &resource));
  CHECK(napi_create_reference(env, resource, 1, &s->resource));
  CHECK(napi_create_string_utf8(env, "SottoSipUdp", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, resource, name, &s->async_context));

  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &s->poll, s->fd) != 0) {
    napi_throw_error(env, "SIP_UDP_NATIVE", "start: uv_poll_init failed");
    return NULL;
  }
  s->poll.data = s;
  s->events = UV_READABLE;
  uv_poll_start(&s->poll, s->events, on_poll);
  return NULL;
}

/* send(handle, buffer, offset, length, family 4|6, a0, a1, a2, a3, port) -> 0 or a negative errno */
static napi_value sip_udp_send(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp_socket *s = argc == 10 ? socket_arg(env, argv[0]) : NULL;
  if (!s) {
    napi_throw_type_error(env, "SIP_UDP_NATIVE", "send: 10 arguments");
    return NULL;
  }
  void *data;
  size_t data_len;
  uint32_t offset, length, family, a[4], port;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &data_len));
  CHECK(napi_get_value_uint32(env, argv[2], &offset));
  CHECK(napi_get_value_uint32(env, argv[3], &length));
  CHECK(napi_get_value_uint32(env, argv[4], &family));
  for (int i = 0; i < 4; i++) CHECK(napi_get_value_uint32(env, argv[5 + i], &a[i]));
  CHECK(napi_get_value_uint32(env, argv[9], &port));
  if ((size_t)offset + length > data_len || port > 65535) return number(env, -EINVAL);
  if (s->closing) return number(env, -EBADF);

  struct sockaddr_storage to;
  socklen_t to_len;
  memset(&to, 0, sizeof to);
  if (s->family == AF_INET) {
    if (family != 4) return number(env, -EAFNOSUPPORT);
    struct sockaddr_in *sin = (struct sockaddr_in *)&to;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr.s_addr = htonl(a[0]);
    to_len = sizeof *sin;
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    if (family == 4) {
      /* ::ffff:a.b.c.d, the dual-stack socket's spelling of an IPv4 peer */
      sin6->sin6_addr.s6_addr[10] = 0xff;
      sin6->sin6_addr.s6_addr[11] = 0xff;
      uint32_t w = htonl(a[0]);
      memcpy(&sin6->sin6_addr.s6_addr[12], &w, 4);
    } else {
      for (int i = 0; i < 4; i++) {
        uint32_t w = htonl(a[i]);
        memcpy(&sin6->sin6_addr.s6_addr[4 * i], &w, 4);
      }
    }
    to_len = sizeof *sin6;
  }
  ssize_t sent;
  do {
    sent = sendto(s->fd, (const char *)data + offset, length, MSG_DONTWAIT, (struct sockaddr *)&to, to_len);
  } while (sent < 0 && errno == EINTR);
  return number(env, sent < 0 ? -errno : 0);
}

/* wait_writable(handle): one on_writable call when the send buffer has room again. */
static napi_value sip_udp_wait_writable(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp_socket *s = argc == 1 ? socket_arg(env, argv[0]) : NULL;
  if (!s || !s->on_batch || s->closing) return NULL;
  if (!(s->events & UV_WRITABLE)) {
    s->events |= UV_WRITABLE;
    uv_poll_start(&s->poll, s->events, on_poll);
  }
  return NULL;
}

static void on_closed(uv_handle_t *handle) {
  udp_socket *s = handle->data;
  close(s->fd);
  free(s);
}

/* close(handle): stops polling and closes the socket; the handle is dead afterwards. */
static napi_value sip_udp_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp_socket *s = argc == 1 ? socket_arg(env, argv[0]) : NULL;
  if (!s || s->closing) return NULL;
  s->closing = 1;
  if (!s->on_batch) {
    close(s->fd);
    free(s);
    return NULL;
  }
  napi_delete_reference(env, s->on_batch);
  napi_delete_reference(env, s->on_writable);
  napi_delete_reference(env, s->slab_ref);
  napi_delete_reference(env, s->meta_ref);
  napi_async_destroy(env, s->async_context);
  napi_delete_reference(env, s->resource);
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed);
  return NULL;
}

/* ref(handle, yes): whether the socket alone keeps the process alive (as dgram's ref/unref). */
static napi_value sip_udp_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp_socket *s = argc == 2 ? socket_arg(env, argv[0]) : NULL;
  bool yes = false;
  if (!s || !s->on_batch || s->closing) return NULL;
  CHECK(napi_get_value_bool(env, argv[1], &yes));
  if (yes) uv_ref((uv_handle_t *)&s->poll);
  else uv_unref((uv_handle_t *)&s->poll);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  const struct { const char *name; napi_callback fn; } functions[] = {
    { "open", sip_udp_open },
    { "bufferSizes", sip_udp_buffer_sizes },
    { "start", sip_udp_start },
    { "send", sip_udp_send },
    { "waitWritable", sip_udp_wait_writable },
    { "close", sip_udp_close },
    { "ref", sip_udp_ref },
  };
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    CHECK(napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn));
    CHECK(napi_set_named_property(env, exports, functions[i].name, fn));
  }
  napi_value constants;
  CHECK(napi_create_object(env, &constants));
  CHECK(napi_set_named_property(env, constants, "batch", number(env, BATCH)));
  CHECK(napi_set_named_property(env, constants, "slot", number(env, SLOT)));
  CHECK(napi_set_named_property(env, constants, "metaWords", number(env, META_WORDS)));
  CHECK(napi_set_named_property(env, exports, "constants", constants));
  return exports;
}

NAPI_MODULE_INIT() {
  return init(env, exports);
}
