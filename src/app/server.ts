// `sotto start`: the running system. Wires the API (and, as they land, SIP,
// media, voicemail) onto one runtime and shuts them down in reverse order.
import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../api/server.ts';
import { KyselySessionStore } from '../db/index.ts';
import type { Runtime } from './runtime.ts';
import { engineStatus } from '../transcribe/index.ts';
import { platformSafeguards } from './safeguards.ts';
import { transcriberConfig } from './transcription.ts';
import { startSipService, type SipService } from './sip-service.ts';
import { startVoicemailService, type VoicemailService } from './voicemail-service.ts';
import { phoneServerAddress } from './phone-server-address.ts';
import { addressOfRecord } from '../pbx/registrar/binding.ts';
import { listenFailure } from './errors.ts';
import { RetentionCommands } from './retention-commands.ts';
import { runRetentionPurge } from './retention-purge.ts';

export interface RunningSotto {
  httpUrl: string;
  api: FastifyInstance;
  sip: SipService;
  voicemail: VoicemailService;
  stop(): Promise<void>;
}

export async function startServer(rt: Runtime): Promise<RunningSotto> {
  const stt = await engineStatus(transcriberConfig(rt.config)).catch(() => undefined);
  const sip = await startSipService(rt);
  const dropBindings = (deviceIds: string[]) =>
    void sip.removeDeviceBindings(deviceIds).catch((err: unknown) => rt.logger.warn({ err, event: 'sip.bindings.remove_failed' }, 'could not remove bindings'));
  const sessions = new KyselySessionStore(rt.database.db);
  let voicemail: VoicemailService;
  try {
    voicemail = await startVoicemailService(rt, sip);
  } catch (e) {
    await sip.stop();
    throw e;
  }
  // The portal is the portal at the address staff use (SOTTO_PUBLIC_URL)
  // and at the one the banner prints; the latter is added below once the
  // port is bound.
  const origins = [new URL(rt.config.publicUrl).origin];
  let api: FastifyInstance;
  try {
    api = await buildApi({
      db: rt.database.db,
      logger: rt.logger,
      version: rt.version,
      safeguards: () => platformSafeguards(rt, stt),
      masterKey: rt.masterKey,
      sessions,
      publicUrl: rt.config.publicUrl,
      allowedOrigins: origins,
      idleTimeoutMinutes: rt.config.sessionIdleMinutes,
      onUserDisabled: (_userId, deviceIds) => dropBindings(deviceIds),
      onDeviceDisabled: (deviceId) => dropBindings([deviceId]),
      onDevicesRenumbered: (deviceIds) => dropBindings(deviceIds),
      registrations: (practiceId, extension) => sip.store.lookup(addressOfRecord(practiceId, extension)),
      sipPorts: () => sip.ports,
      sipServer: (client) => phoneServerAddress(rt.config, client),
      voicemail: { store: voicemail.store, greetings: voicemail.greetings },
      retention: new RetentionCommands(rt.database.db, rt.vault, voicemail.store),
      // Sent through the voicemail notices' outbox and mail server (SOTTO_SMTP_URL); none without it.
      securityNotice: voicemail.notifier ? (job) => voicemail.notifier!.enqueue(job) : undefined,
    });
  } catch (e) {
    await voicemail.stop();
    await sip.stop();
    throw e;
  }
  try {
    await api.listen({ host: rt.config.bind, port: rt.config.httpPort });
  } catch (e) {
    await api.close();
    await voicemail.stop();
    await sip.stop();
    throw listenFailure((e as NodeJS.ErrnoException).code, 'SOTTO_HTTP_PORT', rt.config.httpPort, rt.config.bind) ?? e;
  }
  // Retention (retention-purge.ts): deadlines follow the practice policy, expired artifacts are crypto-shredded
  // (keys destroyed, files removed, receipts kept) and their messages leave the inbox and the lamps, one
  // `retention.purge` audit event a practice; once at start and every hour after.
  const purge = () =>
    runRetentionPurge({ db: rt.database.db, vault: rt.vault, store: voicemail.store })
      .then((run) => {
        for (const p of run.practices) {
          if (p.receipts.length > 0 || p.messageIds.length > 0 || p.keptUnderHold > 0) {
            rt.logger.info({ event: 'retention.purged', practiceId: p.practiceId, shredded: p.receipts.length, messages: p.messageIds.length, held: p.keptUnderHold }, 'retention purge');
          }
        }
      })
      .catch((e: unknown) => rt.logger.error({ err: e, event: 'retention.purge_failed' }, 'retention purge failed'));
  void purge();
  const purgeTimer = setInterval(purge, 60 * 60_000);
  purgeTimer.unref();
  // Ended sessions are refused on sight; this only clears out the rows.
  const sweep = setInterval(() => {
    sessions.deleteExpired(Date.now()).catch((e: unknown) => rt.logger.warn({ err: e }, 'session sweep failed'));
  }, 5 * 60_000);
  sweep.unref();
  const addr = api.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : rt.config.httpPort;
  const listening = listenOrigins(rt.config.bind, port);
  for (const o of listening) if (!origins.includes(o)) origins.push(o);
  return {
    httpUrl: listening[0]!,
    api,
    sip,
    voicemail,
    async stop() {
      clearInterval(sweep);
      clearInterval(purgeTimer);
      await api.close();
      await voicemail.stop();
      await sip.stop();
    },
  };
}

/**
 * The origins a browser on this machine or the LAN uses to reach the portal
 * without a name: the printed one first (the bind address, or localhost on
 * a wildcard bind), then loopback on the same port, then (on a wildcard
 * bind) each address of this machine's network interfaces on that port, as
 * staff who open http://<the box's LAN address>:8080/ do. Only a page
 * served from one of them can carry one of them as its Origin, and only
 * this server serves pages at this machine's own addresses on this port, so
 * trusting them lets no other site post with a staff member's cookie. A
 * name (pbx.clinic.example) is never among them: SOTTO_PUBLIC_URL says it.
 * Link-local IPv6 addresses are left out: a browser cannot open them
 * without a zone, which an Origin does not carry.
 */
export function listenOrigins(bind: string, port: number, machineAddresses: readonly string[] = interfaceAddresses()): string[] {
  // As a browser serialises them (RFC 6454): no :80, IPv6 compressed and lower case.
  const origin = (host: string) => new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}`).origin;
  const own = new URL(origin(bind)).hostname;
  const wildcard = own === '0.0.0.0' || own === '[::]';
  const dualStack = own === '[::]' || own === '[::1]';
  const out = [origin(wildcard ? 'localhost' : bind)];
  const loopback = dualStack ? ['localhost', '127.0.0.1', '::1'] : ['localhost', '127.0.0.1'];
  const add = (host: string) => {
    if (!out.includes(origin(host))) out.push(origin(host));
  };
  if (wildcard || own === '127.0.0.1' || own === '[::1]') loopback.forEach(add);
  if (wildcard) {
    for (const address of machineAddresses) {
      const v6 = address.includes(':');
      if (v6 && (!dualStack || /^fe[89ab]/i.test(address))) continue;
      add(address);
    }
  }
  return out;
}

/** This machine's interface addresses, as the kernel reports them now. */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}
