// The SIP side of `sotto start`: one stack on UDP and TCP (SOTTO_SIP_PORT)
// and TLS (SOTTO_SIP_TLS_PORT), with the registrar behind it.
import { createPrivateKey, hkdfSync, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AddressBackoff, systemClock } from '../auth/index.ts';
import { findSipCredential, listPractices } from '../directory/index.ts';
import { openCallReads } from '../directory/call-reads.ts';
import { MediaRelay } from '../media/relay/index.ts';
import { B2bua } from '../pbx/calls/b2bua.ts';
import { CallerAuthenticator } from '../pbx/calls/caller-auth.ts';
import { KyselyMwiBoxDirectory, KyselyMwiSubscriptionStore, MwiService } from '../pbx/mwi/index.ts';
import type { UnavailableCall, UnavailableReason } from '../pbx/calls/call.ts';
import { KyselyCallRecordSink } from '../pbx/cdr/index.ts';
import { LogThrottle } from '../sip/transport/index.ts';
import { CredentialCache } from '../pbx/registrar/credential-cache.ts';
import { CachedLocationStore } from '../pbx/registrar/cached-location-store.ts';
import { KyselyLocationStore, type LocationStore } from '../pbx/registrar/location-store.ts';
import { Registrar } from '../pbx/registrar/registrar.ts';
import { refuseRequest, SOTTO_ALLOW, SOTTO_CAPABILITIES } from '../pbx/uas-capabilities.ts';
import { answerOptions, SipStack, statelessOptionsAnswer, type TransactionUser } from '../sip/core/index.ts';
import { createResponse, getTo, statelessToTag } from '../sip/message/index.ts';
import { generateSelfSignedCertificate, TcpTransport, TlsTransport, TransportStartError, UdpTransport, type Transport } from '../sip/transport/index.ts';
import { ConfigError } from './config.ts';
import { advertisedAddresses, contactToward } from './config-advertise.ts';
import { phoneTrustAnchors } from './config-phone-ca.ts';
import type { Runtime } from './runtime.ts';
import { listenFailure } from './errors.ts';

export interface SipService {
  stack: SipStack;
  registrar: Registrar;
  /** Extension-to-extension calls; media anchored in `relay`. */
  calls: B2bua;
  relay: MediaRelay;
  /** Message-waiting indicator; `mwi.useMailbox(store)` connects the voicemail store's counts. */
  mwi: MwiService;
  store: LocationStore;
  ports: { udp: number; tcp: number; tls: number };
  removeDeviceBindings(deviceIds: string[]): Promise<void>;
  /** Who takes a call nobody answered (voicemail); until set, callers get 480. */
  setUnavailableHandler(handler: (call: UnavailableCall, reason: UnavailableReason) => void): void;
  /** Who takes `*97` and calls to one's own extension (the mailbox menu); until set, 404. */
  setMailboxHandler(handler: (call: UnavailableCall, target: { own: boolean }) => void): void;
  stop(): Promise<void>;
}

/** The TLS certificate: from SOTTO_SIP_TLS_CERT/KEY, else a self-signed one made once in the data dir. */
export function sipTlsCredentials(rt: Runtime): { cert: string; key: string } {
  if (rt.config.sipTlsCertFile && rt.config.sipTlsKeyFile) {
    const read = (variable: string, file: string): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch (e) {
        throw new ConfigError(variable, `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    };
    const pair = { cert: read('SOTTO_SIP_TLS_CERT', rt.config.sipTlsCertFile), key: read('SOTTO_SIP_TLS_KEY', rt.config.sipTlsKeyFile) };
    checkTlsPair(pair);
    return pair;
  }
  const dir = join(rt.config.dataDir, 'tls');
  const certFile = join(dir, 'sip-cert.pem');
  const keyFile = join(dir, 'sip-key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const host = rt.config.sipDomain ?? new URL(rt.config.publicUrl).hostname;
    const { certPem, keyPem } = generateSelfSignedCertificate({ commonName: host, altNames: [host, '127.0.0.1', '::1'], keyType: 'ec' });
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    writeFileSync(certFile, certPem, { mode: 0o644 });
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/**
 * The operator's certificate and key, checked before any listener starts:
 * a file that is not PEM, or a key that does not match the certificate, is
 * the variable's CONFIG_INVALID, not a stack trace from the TLS server.
 */
function checkTlsPair(pair: { cert: string; key: string }): void {
  try {
    new X509Certificate(pair.cert);
  } catch {
    throw new ConfigError('SOTTO_SIP_TLS_CERT', 'is not a PEM certificate');
  }
  try {
    createPrivateKey(pair.key);
  } catch {
    throw new ConfigError('SOTTO_SIP_TLS_KEY', 'is not an unencrypted PEM private key');
  }
  try {
    createSecureContext(pair);
  } catch {
    throw new ConfigError('SOTTO_SIP_TLS_KEY', 'does not match the certificate in SOTTO_SIP_TLS_CERT');
  }
}

export interface SipServiceOptions {
  /** Transports to run instead of UDP, TCP and TLS on the configured ports (benchmarks drive the stack in memory). */
  transports?: Transport[];
}

export async function startSipService(rt: Runtime, options: SipServiceOptions = {}): Promise<SipService> {
  // Settled before anything opens: a bad CA file or an advertised host name that
  // does not resolve is the variable's CONFIG_INVALID, not a failed call later.
  const phoneCa = phoneTrustAnchors(rt.config.sipTlsPhoneCaFile);
  const advertised = await advertisedAddresses(rt.config);
  const db = rt.database.db;
  // SQLite (one server process): bindings read from memory, each change
  // committed in a group commit (every 10 ms) before its 200 OK.
  // PostgreSQL (possibly several processes): straight through.
  const bindings = new KyselyLocationStore(db, rt.database.sqlite);
  const cached = rt.database.sqlite
    ? await CachedLocationStore.open(bindings, { onFlushError: (err) => rt.logger.warn({ err, event: 'sip.bindings.flush_failed' }, 'binding write failed; its REGISTER answered 500') })
    : undefined;
  const store: LocationStore = cached ?? bindings;
  let practiceCache: { at: number; list: Awaited<ReturnType<typeof listPractices>> } | undefined;
  // The practice a request's domain belongs to; a one-practice box accepts any domain (phones often use the IP).
  const practiceIn = (list: Awaited<ReturnType<typeof listPractices>>, domain: string) => {
    const p = list.find((x) => x.sipDomain.toLowerCase() === domain.toLowerCase()) ?? (list.length === 1 ? list[0] : undefined);
    return p ? { id: p.id, realm: p.sipDomain } : undefined;
  };
  // At once from the list read within the last 5 s; a promise only when it must be read again.
  const practiceForDomain = (domain: string) => {
    if (practiceCache && Date.now() - practiceCache.at <= 5_000) return practiceIn(practiceCache.list, domain);
    return listPractices(db).then((list) => {
      practiceCache = { at: Date.now(), list };
      return practiceIn(list, domain);
    });
  };
  // Derived from the master key so nonces stay valid across a restart; shared by REGISTER and INVITE challenges.
  const nonceSecret = Buffer.from(hkdfSync('sha256', rt.masterKey, 'sotto-sip', 'digest-nonce', 32));
  // Emptied whenever a device or user is disabled (removeDeviceBindings), so
  // its next REGISTER is refused; otherwise entries live at most 2 s.
  const credentials = new CredentialCache({ load: (realm: string, username: string) => findSipCredential(db, realm, username), now: () => Date.now() });
  const registrar = new Registrar({
    directory: {
      practiceForDomain,
      credential: (realm, username) => credentials.get(realm, username),
    },
    store,
    backoff: {
      perUser: new AddressBackoff({ clock: systemClock, freeFailures: 3 }),
      perAddress: new AddressBackoff({ clock: systemClock, freeFailures: 20 }),
    },
    nonceSecret,
    now: () => Date.now(),
    logger: rt.logger,
  });

  // Calls: the B2BUA is built once the stack exists (it sends through it).
  let calls: B2bua | undefined;
  let mwi: MwiService | undefined;
  const user: TransactionUser = {
    // Keep-alives: a stateless 200 (RFC 3261 8.2.7), before any transaction is looked up or made;
    // an OPTIONS that Requires an extension gets its 420 the same way.
    statelessAnswer: (request) => (request.method === 'OPTIONS' ? (refuseRequest(request, statelessToTag(request)) ?? statelessOptionsAnswer(request, SOTTO_CAPABILITIES)) : undefined),
    onAck: (ack) => calls?.onAck(ack),
    onCancel(cancelTx, invite, cancel) {
      if (calls) return calls.onCancel(cancelTx, invite, cancel);
      cancelTx.respond(createResponse(cancel, 200));
      if (!invite.answered) invite.respond(createResponse(invite.request, 487));
    },
    onRequest(tx, request, source) {
      // RFC 3261 8.2: method, URI scheme, Require, body and Accept, before any service sees the request.
      const refusal = refuseRequest(request);
      if (refusal) return void tx.respond(refusal);
      if (mwi?.takes(request)) return mwi.handle(tx, request, source);
      if (calls && request.method !== 'REGISTER' && request.method !== 'OPTIONS' && calls.takes(request)) return calls.onRequest(tx, request, source);
      if (request.method === 'REGISTER') {
        registrar.handle(tx, request, source).catch((err: unknown) => {
          rt.logger.error({ err, event: 'sip.register.error' }, 'register failed');
          tx.respond(createResponse(request, 500, 'Server Internal Error'));
        });
        return;
      }
      // Not reached while statelessAnswer takes every OPTIONS; kept as the transactional answer.
      if (request.method === 'OPTIONS') return answerOptions(tx, request, SOTTO_CAPABILITIES);
      // In a dialog Sotto does not know: 481 (RFC 3261 12.2.2); else no service for it (yet): 405.
      if (getTo(request)?.tag !== undefined) return void tx.respond(createResponse(request, 481));
      tx.respond(createResponse(request, 405, 'Method Not Allowed', { headers: [SOTTO_ALLOW] }));
    },
  };

  const tls = sipTlsCredentials(rt);
  // Port 0 (tests): one free port shared by UDP and TCP, as on the default 5060.
  let sipPort = rt.config.sipPort;
  if (sipPort === 0) {
    sipPort = await freeUdpTcpPort(rt.config.bind).catch((e: NodeJS.ErrnoException) => {
      throw listenFailure(e.code, 'SOTTO_SIP_PORT', 0, rt.config.bind) ?? e;
    });
  }
  const sipLogger = { debug: (f: Record<string, unknown>, m: string) => rt.logger.debug(f, m), warn: (f: Record<string, unknown>, m: string) => rt.logger.warn(f, m) };
  let stack: SipStack;
  try {
    stack = await SipStack.start({
      transports: options.transports ?? [
        new UdpTransport({ host: rt.config.bind, port: sipPort, logger: sipLogger }),
        new TcpTransport({ host: rt.config.bind, port: sipPort, logger: sipLogger }),
        new TlsTransport({ host: rt.config.bind, port: rt.config.sipTlsPort, cert: tls.cert, key: tls.key, logger: sipLogger, ...(phoneCa ? { ca: phoneCa } : {}) }),
      ],
      user,
      advertisedHost: advertised.sip,
      logger: sipLogger,
    });
  } catch (e) {
    if (e instanceof TransportStartError) {
      // The transport's message is "<PROTO> host:port: <errno>".
      const tlsPort = /^TLS /.test(e.message);
      const errno = e.code === 'TRANSPORT_ADDRESS_IN_USE' ? 'EADDRINUSE' : /: (E[A-Z]+)$/.exec(e.message)?.[1];
      throw listenFailure(errno, tlsPort ? 'SOTTO_SIP_TLS_PORT' : 'SOTTO_SIP_PORT', tlsPort ? rt.config.sipTlsPort : rt.config.sipPort, rt.config.bind) ?? e;
    }
    throw e;
  }

  let relay: MediaRelay;
  try {
    relay = await MediaRelay.start({
      bindAddress: rt.config.bind,
      advertisedAddress: advertised.rtp,
      portRange: rt.config.rtpPorts,
      // The native data plane could not start (no `cc`, a failed build, a crash): calls relay on the JS workers.
      log: (code) => rt.logger.warn({ event: 'media.native_plane_unavailable', code }, 'media relay on JS workers'),
      onPortHeld: portHeldWarning(rt.logger),
    });
  } catch (e) {
    await stack.close();
    throw e;
  }
  let onUnavailable: (call: UnavailableCall, reason: UnavailableReason) => void = (call) => call.reject(480);
  let onMailbox: (call: UnavailableCall, target: { own: boolean }) => void = (call) => call.reject(404);
  // Our Contact in dialogs, per transport (a phone on TLS must send its in-dialog requests over TLS) and per peer when bound to all interfaces.
  const contactFor = contactToward(advertised.sip, { sip: sipPort, tls: stack.transport('TLS')?.local.port ?? rt.config.sipTlsPort });
  const contact = contactFor('UDP', rt.config.bind);
  // Per-call reads as statements prepared once (SQLite); nothing cached, so a
  // change from the portal, the API or the CLI applies to the next call.
  const callReads = openCallReads(db, rt.database.sqlite);
  calls = new B2bua({
    onUnavailable: (call, reason) => onUnavailable(call, reason),
    onMailbox: (call, target) => onMailbox(call, target),
    stack,
    relay,
    directory: {
      practiceForDomain,
      // Read fresh per call: a device disabled from the CLI (another process) is refused on its next call.
      credential: (realm, username) => callReads.credential(realm, username),
    },
    locations: store,
    nonceSecret,
    now: () => Date.now(),
    contact,
    contactToward: contactFor,
    backoff: new AddressBackoff({ clock: systemClock, freeFailures: 20 }),
    logger: rt.logger,
    readCall: (practiceId, extension) => callReads.forCall(practiceId, extension),
    records: new KyselyCallRecordSink(
      db,
      (code, recordId) => rt.logger.warn({ event: 'call.record_failed', code, callId: recordId }, 'call record not written'),
      rt.database.sqlite ? { sqlite: rt.database.sqlite } : {},
    ),
  });

  mwi = new MwiService({
    stack,
    auth: new CallerAuthenticator({ directory: { practiceForDomain, credential: (realm, username) => credentials.get(realm, username) }, nonceSecret, now: () => Date.now(), proxy: false }),
    boxes: new KyselyMwiBoxDirectory(db),
    contact,
    contactToward: contactFor,
    backoff: new AddressBackoff({ clock: systemClock, freeFailures: 20 }),
    logger: rt.logger,
    store: new KyselyMwiSubscriptionStore(db),
  });
  // Subscriptions accepted before a restart: phones still hold them active, and would not re-subscribe for up to an hour.
  // A failed read leaves them to the phones' own re-SUBSCRIBE, as before this store existed; it does not stop the start.
  const restored = await mwi.restore().catch((err: unknown) => {
    rt.logger.warn({ event: 'mwi.restore_failed', error: err instanceof Error ? err.name : 'unknown' }, 'mwi subscriptions not restored');
    return 0;
  });
  if (restored > 0) rt.logger.info({ event: 'mwi.restored_all', count: restored }, 'mwi subscriptions restored');

  const purge = setInterval(() => {
    store.purgeExpired(Date.now()).catch((err: unknown) => rt.logger.warn({ err, event: 'sip.bindings.purge_failed' }, 'purge failed'));
  }, 30_000);
  purge.unref();

  return {
    stack,
    registrar,
    calls,
    relay,
    mwi,
    store,
    ports: { udp: stack.transport('UDP')?.local.port ?? 0, tcp: stack.transport('TCP')?.local.port ?? 0, tls: stack.transport('TLS')?.local.port ?? 0 },
    setUnavailableHandler(handler) {
      onUnavailable = handler;
    },
    setMailboxHandler(handler) {
      onMailbox = handler;
    },
    async removeDeviceBindings(deviceIds) {
      credentials.invalidateAll();
      mwi?.removeDevices(deviceIds);
      // Every device, even if one fails: each is out of the in-memory store before its database write.
      const failed: unknown[] = [];
      for (const id of deviceIds) await store.removeDevice(id).catch((e: unknown) => failed.push(e));
      if (failed.length > 0) throw failed[0];
    },
    async stop() {
      clearInterval(purge);
      await mwi?.close();
      await stack.close();
      await relay.close();
      // Call records waiting for their group commit reach the database before the runtime closes it.
      await calls?.close();
      // Bindings answered but not yet committed reach the database before the runtime closes it.
      await cached?.close();
    },
  };
}

async function freeUdpTcpPort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', reject);
      s.bind(0, host, () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('no free port for SIP');
}

/**
 * A port of SOTTO_RTP_PORTS in use elsewhere (most often a second Sotto
 * given the same range): one warning a minute, with how many more since,
 * so the operator learns why calls may fail to get media without a line
 * for every call.
 */
export function portHeldWarning(logger: Runtime['logger'], now: () => number = Date.now): (port: number) => void {
  const lines = new LogThrottle({ windowMs: 60_000, now });
  return (port) => {
    const suppressedSinceLast = lines.due('port-held');
    if (suppressedSinceLast === undefined) return;
    logger.warn({ event: 'media.port_held', code: 'RELAY_PORT_HELD', port, suppressedSinceLast }, 'an RTP port of SOTTO_RTP_PORTS is in use by another program (another Sotto on the same range?); skipped');
  };
}
