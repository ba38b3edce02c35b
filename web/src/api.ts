// The portal's only door to Sotto: same-origin fetches to /api/v1 with the
// session cookie, and the CSRF token (from the session view) echoed on every
// state-changing request, as src/auth/csrf.ts expects.

export type Role = 'owner' | 'admin' | 'provider' | 'staff';

export interface SessionView {
  stage: 'active' | 'mfa_pending';
  via: 'session' | 'token';
  user: { id: string; practiceId: string; role: Role } | null;
  mfaEnrolled: boolean;
  mfaEnrolmentRequired: boolean;
  idleTimeoutMinutes: number | null;
  idleExpiresAt: string | null;
  absoluteExpiresAt: string | null;
  csrfToken: string | null;
}

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  status: 'active' | 'disabled';
  extension: string | null;
  createdAt: string;
}

export type OffReason = 'tier' | 'policy' | 'requires' | 'user';

export interface Decision {
  enabled: boolean;
  reason?: OffReason;
  requires?: string;
}

export type VoicemailSwitch = 'emailNotifications' | 'attachAudio' | 'includeTranscript' | 'transcription';

export interface Warning {
  code: string;
  message: string;
}

export interface VoicemailSettingsView extends Record<VoicemailSwitch, boolean> {
  userId: string;
  effective: Record<VoicemailSwitch, Decision>;
  warnings: Warning[];
  updatedAt: string;
}

export interface PostureItem {
  feature: string;
  title: string;
  stores: boolean;
  sendsOffBox: boolean;
  practice: Decision;
  users: Array<Decision & { userId: string }>;
  level: 'ok' | 'attention' | 'risk';
  risk: string;
  action: string;
  safeDefault: boolean;
}

export interface PostureView {
  practiceId: string;
  tier: string;
  summary: { risk: number; attention: number; ok: number };
  safeguards: Array<{ id: string; title: string; state: string; detail: string }>;
  items: PostureItem[];
}

export type DeviceKind = 'desk_phone' | 'softphone' | 'ata';

export interface DeviceView {
  id: string;
  userId: string;
  extension: string;
  kind: DeviceKind;
  label: string;
  sipUsername: string;
  status: 'active' | 'disabled';
  createdAt: string;
  /** GET /users/{id}/devices only: the registrar's live bindings; null when SIP is not running on the server. */
  registration?: DeviceRegistrationView | null;
}

export interface DeviceRegistrationView {
  registered: boolean;
  contacts: Array<{ transport: string; userAgent: string | null; expiresAt: string; /** Admins only. */ address?: string }>;
}

/** POST /users/{id}/devices: the only answer that ever carries the SIP password. */
export interface CreatedDevice {
  device: DeviceView;
  sip: {
    username: string;
    password: string;
    domain: string;
    /** Where the phone registers; absent when no phone on the network could reach this server. */
    server?: string;
    ports?: { udp: number; tcp: number; tls: number };
  };
}

export interface AuditEventView {
  seq: number;
  id: string;
  at: string;
  actor: { type: string; id: string };
  action: string;
  object: { type: string; id: string } | null;
  sourceIp: string | null;
  outcome: string;
  details: Record<string, unknown>;
  prominent: boolean;
  breakGlassReason: string | null;
  hash: string;
  prevHash: string;
}

export interface AuditEventPage {
  items: AuditEventView[];
  nextBefore: string | null;
}

export interface ChainStatus {
  ok: boolean;
  checkedAt: string;
  verifiedCount: number;
  head: { seq: number; hash: string } | null;
  break: { seq: number; reason: string } | null;
}

/** One message in GET /voicemails (DESIGN.md, operator surface). */
export interface VoicemailItem {
  id: string;
  extension: string;
  receivedAt: string;
  durationMs: number;
  heard: boolean;
  partial: boolean;
  transcript: { text: string; engine: string } | null;
  /** Set when the caller reads this message by break-glass alone: read-only to them, until this time. */
  breakGlassUntil: string | null;
}

/** A refusal from the API, with its stable code (see src/api/errors.ts). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The error's details: `issues` ({ path, rule, message }) or `field` name what was refused. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** An answer without Sotto's error body (a proxy's page, a crash): what can be said without guessing. */
function unexplained(status: number): string {
  if (status >= 500) return `Sotto hit an error (${status}); try again, and if it persists check the server log.`;
  return `Sotto refused the request (${status}) without saying why.`;
}

/** A refusal from its response: the API's { error: { code, message, details } }, else the status in words. */
async function refusal(res: Response): Promise<ApiError> {
  const payload: unknown = await res.json().catch(() => null);
  const error = (payload as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') return new ApiError(res.status, 'HTTP_' + res.status, unexplained(res.status));
  const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : undefined;
  return new ApiError(res.status, error.code, error.message, details);
}

let csrfToken: string | null = null;

/** What the shell wants to hear: the server saw the user (idle timer restarts), or the session is gone. */
export interface SessionListener {
  onActivity(): void;
  onSessionEnded(): void;
}
let listener: SessionListener | null = null;

export function listenToSession(l: SessionListener | null): void {
  listener = l;
}

/**
 * Where a sign-in waiting for its code keeps its CSRF token across a reload
 * (this tab only): GET /session answers such a session 401 MFA_REQUIRED,
 * without the token the code step must send.
 */
const PENDING_SIGN_IN = 'sotto.pending-sign-in';

interface TabStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The tab's sessionStorage; undefined outside a browser (this module is unit-tested under Node too). */
const tabStorage = (): TabStorage | undefined => (globalThis as { sessionStorage?: TabStorage }).sessionStorage;

/** Remembers the CSRF token of the current session; null after sign-out. */
export function rememberSession(session: SessionView | null): void {
  csrfToken = session?.csrfToken ?? null;
  try {
    if (session?.stage === 'mfa_pending' && session.csrfToken) tabStorage()?.setItem(PENDING_SIGN_IN, session.csrfToken);
    else tabStorage()?.removeItem(PENDING_SIGN_IN);
  } catch {
    // Storage refused (a private window's quota): a reload then starts over at the password.
  }
}

/** The sign-in this tab left at its code step, to resume after a reload; null when there is none. */
export function pendingSignIn(): SessionView | null {
  let token: string | null = null;
  try {
    token = tabStorage()?.getItem(PENDING_SIGN_IN) ?? null;
  } catch {
    return null;
  }
  if (!token) return null;
  return {
    stage: 'mfa_pending',
    via: 'session',
    user: null,
    mfaEnrolled: true,
    mfaEnrolmentRequired: false,
    idleTimeoutMinutes: null,
    idleExpiresAt: null,
    absoluteExpiresAt: null,
    csrfToken: token,
  };
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // Sign-in's own refusals are 401s too; only elsewhere does 401 mean the session ended.
  if (res.status === 401 && !path.startsWith('/session')) listener?.onSessionEnded();
  else if (res.ok) listener?.onActivity();
  if (!res.ok) throw await refusal(res);
  if (res.status === 204) return undefined as T;
  return (await res.json().catch(() => null)) as T;
}

/** Words for a failure, fit to show a user. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return 'Sotto could not be reached. Check the connection and try again.';
}

/**
 * A recording fetched with the session (cookie, never a shareable URL) and
 * handed to the page as a blob: URL that lives only in this tab. The caller
 * revokes it when the player goes away.
 */
export async function fetchAudio(path: string): Promise<string> {
  const res = await fetch(`/api/v1${path}`, { headers: { accept: 'audio/wav' }, credentials: 'same-origin' });
  if (res.status === 401) listener?.onSessionEnded();
  if (!res.ok) throw await refusal(res);
  listener?.onActivity();
  return URL.createObjectURL(await res.blob());
}
