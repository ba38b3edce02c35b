// The HTTP API (Fastify). Every handler runs in the same order:
// authenticate (onRequest) -> validate schema -> authorise (preHandler,
// deny by default) -> command -> present.
import { hkdfSync } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyContextConfig, type FastifyInstance, type FastifyReply, type RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import {
  ARGON2_DEFAULTS,
  createPasswordHasher,
  createTotpSecretBox,
  IDLE_TIMEOUT_DEFAULT_MINUTES,
  idleTimeoutMs,
  SignInThrottle,
  systemClock,
  type Clock,
  type PasswordHasher,
  type SessionStore,
  type TotpSecretBox,
} from '../auth/index.ts';
import type { Binding } from '../pbx/registrar/binding.ts';
import type { Database } from '../db/index.ts';
import { AUDITED_ROUTES } from './audited-routes.ts';
import type { SecurityNoticeSink } from './security-notice.ts';
import { errorBody, handleError } from './errors.ts';
import { answerClientError, answerFrameworkError, STANDARD_HEADERS } from './framework-errors.ts';
import { byStatus, describeCodes, routeErrorCodes } from './route-errors.ts';
import { authenticate, authorize, type SessionGate } from './principal.ts';
import { refuseContentEncoding, useStrictJsonParser } from './request-body.ts';
import { auditEventRoutes } from './routes/audit-events/route.ts';
import { breakGlassRoutes } from './routes/break-glass/route.ts';
import { recoveryCodeRoutes } from './routes/session/recovery-codes.ts';
import { sessionRoutes } from './routes/session/route.ts';
import { ErrorResponse, NoQuery } from './routes/common.ts';
import { complianceRoutes } from './routes/compliance/route.ts';
import type { Safeguard } from './routes/compliance/presenter.ts';
import { deviceRoutes } from './routes/devices/route.ts';
import { extensionRoutes } from './routes/extensions/route.ts';
import { policyRoutes } from './routes/policy/route.ts';
import { practiceRoutes } from './routes/practice/route.ts';
import { userRoutes } from './routes/users/route.ts';
import { voicemailSettingsRoutes } from './routes/voicemail-settings/route.ts';
import { voicemailRoutes } from './routes/voicemails/route.ts';
import type { GreetingStore, VoicemailStore } from '../voicemail/index.ts';
import type { RetentionCommands } from '../app/retention-commands.ts';
import { retentionRoutes } from './routes/retention/route.ts';

/** The voicemail store and greetings (src/voicemail), when voicemail runs. */
export interface VoicemailDeps {
  store: VoicemailStore;
  greetings: GreetingStore;
}
import { callSettingsRoutes } from './routes/call-settings/route.ts';
import { callRoutes } from './routes/calls/route.ts';

export interface ApiDeps {
  db: Kysely<Database>;
  /** Platform safeguards shown on the posture page (encryption at rest, audit, transcription engine …). */
  safeguards: () => Safeguard[];
  /** Called after a user is disabled, so live SIP registrations end at once. */
  onUserDisabled?: (userId: string, deviceIds: string[]) => void;
  onDeviceDisabled?: (deviceId: string) => void;
  /** Called after a user's extension number changed: the registrations of these devices, kept under the old number, end. */
  onDevicesRenumbered?: (deviceIds: string[]) => void;
  /**
   * The live registrations of an extension's phones (the registrar's
   * bindings, from memory), for the Devices tab. Omitted when SIP is not
   * running: devices then carry no registration state.
   */
  registrations?: (practiceId: string, extension: string) => readonly DeviceRegistration[] | Promise<readonly DeviceRegistration[]>;
  /** The SIP ports phones register on, shown with a new device's credentials; omitted when SIP is not running. */
  sipPorts?: () => SipPorts;
  /**
   * The address a phone registers to, for a device added from a browser at
   * `client` (the HTTP peer address); undefined when no phone on the network
   * could reach Sotto. Omitted when SIP is not running.
   */
  sipServer?: (client: string) => string | undefined;
  /** Absent: the voicemail routes answer 503 VOICEMAIL_UNAVAILABLE. */
  voicemail?: VoicemailDeps;
  /** Retention status, deletion receipts and legal holds; absent: those routes answer 503 RETENTION_UNAVAILABLE. */
  retention?: RetentionCommands;
  /** Queues the email telling a user their password was changed or their two-step sign-in reset; absent without SMTP. */
  securityNotice?: SecurityNoticeSink;
  portal: PortalDeps;
}

/** One registered contact of a device, as the registrar holds it (RFC 3261 10.3): what the Devices tab shows of a binding. */
export type DeviceRegistration = Pick<Binding, 'deviceId' | 'expiresAt' | 'source' | 'userAgent'>;

export interface SipPorts {
  udp: number;
  tcp: number;
  tls: number;
}

/** Portal sign-in: sessions, throttles, password and TOTP checks. */
export interface PortalDeps {
  gate: SessionGate;
  clock: Clock;
  hasher: PasswordHasher;
  throttle: SignInThrottle;
  totpBox: TotpSecretBox;
  /** Idle logoff for new sessions, 5 to 30 minutes (default 15). */
  idleTimeoutMinutes: number;
}

export interface ApiOptions extends Omit<ApiDeps, 'portal'> {
  logger: Logger;
  version: string;
  /** Keys for the CSRF token and sealed TOTP secrets are derived from it. */
  masterKey: Uint8Array;
  sessions: SessionStore;
  /** Where the portal is served; its origin may post with a cookie, https makes cookies Secure. */
  publicUrl?: string;
  /**
   * Every origin that may post with a cookie (the CSRF and sign-in origin
   * check), read at each request: the public URL's and the server's own
   * listening addresses, which the caller adds once it knows its port.
   * Defaults to the public URL's origin alone.
   */
  allowedOrigins?: readonly string[];
  clock?: Clock;
  hasher?: PasswordHasher;
  throttle?: SignInThrottle;
  idleTimeoutMinutes?: number;
  /** The built portal (web/dist); defaults to the one beside the sources. */
  portalDir?: string;
}

export interface RouteInfo {
  method: string;
  url: string;
  access: string | undefined;
}

const HealthView = Type.Object({ status: Type.Literal('ok'), version: Type.String() });

const routeTables = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route the app registered (one entry per method), for the audited-routes and access tests. */
export function registeredRoutes(app: FastifyInstance): RouteInfo[] {
  return [...(routeTables.get(app) ?? [])];
}

function portalDeps(opts: ApiOptions): PortalDeps {
  const clock = opts.clock ?? systemClock;
  const idle = opts.idleTimeoutMinutes ?? IDLE_TIMEOUT_DEFAULT_MINUTES;
  if (!idleTimeoutMs(idle).ok) throw new Error('idleTimeoutMinutes must be 5 to 30');
  const publicUrl = new URL(opts.publicUrl ?? 'http://localhost:8080');
  return {
    gate: {
      sessions: { store: opts.sessions, clock },
      csrfSecret: Buffer.from(hkdfSync('sha256', opts.masterKey, 'sotto-csrf', 'sotto csrf v1', 32)),
      allowedOrigins: opts.allowedOrigins ?? [publicUrl.origin],
      cookieSecure: publicUrl.protocol === 'https:',
    },
    clock,
    hasher: opts.hasher ?? createPasswordHasher(ARGON2_DEFAULTS),
    throttle: opts.throttle ?? SignInThrottle.create(clock),
    totpBox: createTotpSecretBox(opts.masterKey),
    idleTimeoutMinutes: idle,
  };
}

export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const portal = portalDeps(opts);
  const authenticateRequest = authenticate(opts.db, portal.gate);
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: false,
    requestIdHeader: false,
    // No implicit HEAD twins of GET routes: they would run the handler, so a HEAD on a
    // recording was audited as a play (and a list as a list) while nothing was shown.
    exposeHeadRoutes: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // What Fastify and Node's parser answer before any route, in the API's shape, never quoting the URL (framework-errors.ts).
    frameworkErrors: answerFrameworkError(authenticateRequest),
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // JSON is the only body type the API takes (a greeting upload adds audio/wav
  // in its own scope): Fastify's built-in text/plain parser would hand a string
  // to the schema, a 400 VALIDATION_FAILED, where the README promises 415.
  app.removeContentTypeParser('text/plain');
  // And JSON is UTF-8: a body in another charset is 415, bytes that are not UTF-8 a 400 (request-body.ts).
  useStrictJsonParser(app as unknown as FastifyInstance);
  const routes: RouteInfo[] = [];
  routeTables.set(app as unknown as FastifyInstance, routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, access: (r.config as { access?: string } | undefined)?.access });
    if (r.url.startsWith('/api/')) refuseUnknownQuery(r);
    documentErrorResponses(r);
  });

  // Log ids and codes only: method, route pattern (never the raw URL, which
  // may carry identifiers a user typed), status and time.
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'http');
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    // Where a route set its own (the portal's files: cache-control), it stands.
    for (const [name, value] of Object.entries(STANDARD_HEADERS)) if (!reply.hasHeader(name)) void reply.header(name, value);
    return payload;
  });

  app.setErrorHandler(handleError);
  const portalFiles = opts.portalDir ?? PORTAL_DIST;
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    if ((req.method === 'GET' || req.method === 'HEAD') && path !== '/api' && !path.startsWith('/api/')) return servePortal(portalFiles, path, reply);
    return reply.status(404).send(errorBody('NOT_FOUND', `no route ${req.method} for this path`));
  });
  app.get('/', { schema: { hide: true } }, async (_req, reply) => servePortal(portalFiles, '/', reply));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Sotto API',
        version: opts.version,
        description:
          'Sotto, a HIPAA-ready phone system for practices. Errors: {"error":{"code","message","details"?}}; every code has one HTTP status, and each error response below lists the codes its route can give. A 4xx changed nothing; a 429 or 503 says when to retry in Retry-After, except 503 AUDIT_UNAVAILABLE (nothing was changed, but an operator must act before a retry can succeed). Bytes that cannot be read as an HTTP request get 400 BAD_REQUEST, 408 REQUEST_TIMEOUT or 431 HEADERS_TOO_LARGE, whatever the route, and the connection closes.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Shared schemas under their own names (#/components/schemas/Error), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.addSchema(ErrorResponse);

  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticateRequest);
      v1.addHook('preParsing', refuseContentEncoding);
      v1.addHook('preHandler', authorize);

      // HEAD too: monitors probe liveness with it (routes are GET-only otherwise, see exposeHeadRoutes).
      v1.route({ method: ['GET', 'HEAD'], url: '/health', config: { access: 'public' }, schema: { tags: ['system'], security: [], response: { 200: HealthView } }, handler: async () => ({ status: 'ok', version: opts.version }) });
      v1.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

      const deps: ApiDeps = {
        db: opts.db,
        safeguards: opts.safeguards,
        onUserDisabled: opts.onUserDisabled,
        onDeviceDisabled: opts.onDeviceDisabled,
        onDevicesRenumbered: opts.onDevicesRenumbered,
        registrations: opts.registrations,
        sipPorts: opts.sipPorts,
        sipServer: opts.sipServer,
        voicemail: opts.voicemail,
        retention: opts.retention,
        securityNotice: opts.securityNotice,
        portal,
      };
      await v1.register(sessionRoutes, deps);
      await v1.register(recoveryCodeRoutes, deps);
      await v1.register(breakGlassRoutes, deps);
      await v1.register(auditEventRoutes, deps);
      await v1.register(practiceRoutes, deps);
      await v1.register(policyRoutes, deps);
      await v1.register(userRoutes, deps);
      await v1.register(deviceRoutes, deps);
      await v1.register(extensionRoutes, deps);
      await v1.register(voicemailSettingsRoutes, deps);
      await v1.register(callSettingsRoutes, deps);
      await v1.register(callRoutes, deps);
      await v1.register(complianceRoutes, deps);
      await v1.register(voicemailRoutes, deps);
      await v1.register(retentionRoutes, deps);
    },
    { prefix: '/api/v1' },
  );

  return app as unknown as FastifyInstance;
}

/**
 * An API route that declares no query string takes none: without a schema
 * Fastify ignored `?anything`, where the README promises an unknown field is
 * a 400. (Not the portal's pages: a link may carry its own parameters.)
 */
function refuseUnknownQuery(r: RouteOptions): void {
  // A public GET (health, the OpenAPI document) is what monitors and tools poll, often with a cache-buster (?_=123): not refused.
  const access = (r.config as { access?: string } | undefined)?.access;
  if (access === 'public' && [r.method].flat().every((m) => m === 'GET' || m === 'HEAD')) return;
  const schema = (r.schema ?? {}) as { querystring?: unknown };
  if (schema.querystring === undefined) r.schema = { ...schema, querystring: NoQuery };
}

/** Header of 429 and 503 answers: seconds until a retry is worth it. */
const RETRY_AFTER = { 'retry-after': { type: 'integer', description: 'Seconds to wait before trying again (absent on AUDIT_UNAVAILABLE, which waits for an operator)' } };

/**
 * Replaces whatever error responses a route wrote with the ones it can really
 * give (route-errors.ts), each naming its codes, so no route can forget the
 * 401 its authentication gives or the 413 its body parser does.
 */
function documentErrorResponses(r: RouteOptions): void {
  const schema = r.schema as { hide?: boolean; response?: Record<string, unknown>; body?: unknown; params?: unknown; querystring?: unknown } | undefined;
  if (!schema || schema.hide) return;
  const config = (r.config ?? {}) as FastifyContextConfig;
  const codes = [r.method].flat().flatMap((method) =>
    routeErrorCodes({
      method,
      access: config.access,
      allowWithoutMfa: config.allowWithoutMfa === true,
      validates: schema.body !== undefined || schema.params !== undefined || schema.querystring !== undefined,
      audited: 'actions' in (AUDITED_ROUTES[`${method} ${r.url}`] ?? { exempt: '' }),
      errors: config.errors ?? [],
    }),
  );
  const response = Object.fromEntries(Object.entries(schema.response ?? {}).filter(([status]) => Number(status) < 400));
  for (const [status, list] of byStatus(codes)) {
    response[status] = { $ref: 'Error#', description: describeCodes(list), ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}) };
  }
  schema.response = response;
}

// The portal: the single-page app Vite builds into web/dist. Its files are
// served from that folder only; any other path that is not the API gets
// index.html, so a reload on /users/42/voicemail lands in the app, which
// routes on the client.
const PORTAL_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

// Scripts and styles come from the portal's own files only: no inline
// script, no third-party origin, and no framing (clickjacking).
const PORTAL_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const NOT_BUILT =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sotto</title></head><body><main><h1>Sotto</h1>' +
  '<p>The admin portal is not built. <code>npm start</code> builds it; the REST API is at <a href="/api/v1/openapi.json">/api/v1</a>.</p></main></body></html>';

/** A file under `root` named by a URL path, or null for anything that would step outside it or is not a plain file. */
async function portalFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((seg) => seg === '..' || seg.startsWith('.'))) return null;
  const base = resolve(root);
  const full = resolve(base, '.' + decoded);
  if (!full.startsWith(base + sep)) return null;
  const info = await stat(full).catch(() => null);
  return info?.isFile() ? full : null;
}

async function servePortal(root: string, urlPath: string, reply: FastifyReply): Promise<FastifyReply> {
  void reply.header('content-security-policy', PORTAL_CSP);
  const file = urlPath === '/' ? null : await portalFile(root, urlPath);
  if (file) {
    // Vite names built assets by content hash, so they never change under a name.
    if (urlPath.startsWith('/assets/')) void reply.header('cache-control', 'public, max-age=31536000, immutable');
    return reply.type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream').send(await readFile(file));
  }
  // A missing asset is a 404, not the app: a browser would otherwise run HTML as a script.
  if (urlPath.startsWith('/assets/') || extname(urlPath) !== '') return reply.status(404).type('text/plain; charset=utf-8').send('not found');
  const index = await readFile(join(root, 'index.html')).catch(() => null);
  return reply.type('text/html; charset=utf-8').send(index ?? NOT_BUILT);
}
