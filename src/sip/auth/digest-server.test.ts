import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  appendHeader,
  createResponse,
  getChallenges,
  parseMessage,
  serializeMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.ts';
import { DigestAuthenticator, NonceIssuer, ReplayGuard, computeHa1, createAuthorization, selectChallenge, type DigestAlgorithm, type Ha1Lookup } from './index.ts';

const REALM = 'pbx.example.com';
const SECRET = Buffer.alloc(32, 7);

/** A clock tests move by hand. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function register(uri = 'sip:pbx.example.com'): SipRequest {
  const r = parseMessage(
    Buffer.from(
      [
        `REGISTER ${uri} SIP/2.0`,
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKabc',
        'Max-Forwards: 70',
        'To: <sip:101@pbx.example.com>',
        'From: <sip:101@pbx.example.com>;tag=42',
        'Call-ID: reg-1',
        'CSeq: 1 REGISTER',
        'Contact: <sip:101@192.0.2.10:5060>',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  );
  if (!r.ok || r.value.kind !== 'request') throw new Error('fixture');
  return r.value;
}

const USERS: Record<string, string> = { '101': 'correct horse', '102': 'battery staple' };
/** Stored HA1s only: the authenticator never sees a password. */
const lookup: Ha1Lookup = (username, realm, algorithm) => {
  const password = USERS[username];
  return password === undefined ? undefined : computeHa1(algorithm, username, realm, password);
};

function challengeResponse(auth: DigestAuthenticator, stale = false): SipResponse {
  const res = createResponse(register(), 401, undefined, { toTag: 't', headers: auth.challenge(stale) });
  const wire = parseMessage(serializeMessage(res));
  if (!wire.ok || wire.value.kind !== 'response') throw new Error('challenge did not parse');
  return wire.value;
}

function withCredentials(req: SipRequest, res: SipResponse, user: string, password: string, opts: { nc?: number; algorithms?: DigestAlgorithm[]; uri?: string } = {}): SipRequest {
  const challenge = selectChallenge(res, opts.algorithms);
  if (!challenge) throw new Error('no usable challenge');
  const value = createAuthorization(challenge, { username: user, password, method: req.method, uri: opts.uri ?? 'sip:pbx.example.com', nc: opts.nc ?? 1, cnonce: 'cn0nce' });
  if (!value) throw new Error('no authorization');
  return { ...req, headers: appendHeader(req.headers, 'Authorization', value) };
}

function authenticator(clock = fakeClock(), extra: Partial<ConstructorParameters<typeof DigestAuthenticator>[0]> = {}) {
  return new DigestAuthenticator({ realm: REALM, nonceSecret: SECRET, now: clock.now, ...extra });
}

describe('DigestAuthenticator', () => {
  it('offers MD5 first, then SHA-256, with qop=auth, on the wire', () => {
    const res = challengeResponse(authenticator());
    const wire = serializeMessage(res).toString();
    const lines = wire.split('\r\n').filter((l) => l.startsWith('WWW-Authenticate:'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^WWW-Authenticate: Digest realm="pbx\.example\.com", nonce="[A-Za-z0-9_-]{43}", algorithm=MD5, qop="auth"$/);
    expect(lines[1]).toMatch(/algorithm=SHA-256, qop="auth"$/);
    const [a, b] = getChallenges(res);
    expect(a?.params.get('nonce')).toBe(b?.params.get('nonce'));
  });

  it('takes the offered order from configuration', () => {
    const res = challengeResponse(authenticator(fakeClock(), { algorithms: ['SHA-256', 'MD5'] }));
    expect(getChallenges(res).map((c) => c.params.get('algorithm'))).toEqual(['SHA-256', 'MD5']);
  });

  it.each(['MD5', 'SHA-256'] as const)('accepts the right password with %s', async (algorithm) => {
    const auth = authenticator();
    const req = withCredentials(register(), challengeResponse(auth), '101', 'correct horse', { algorithms: [algorithm] });
    expect(await auth.authenticate(req, lookup)).toEqual({ ok: true, value: { username: '101', algorithm } });
  });

  it('answers a wrong password and an unknown user identically', async () => {
    const auth = authenticator();
    const wrong = await auth.authenticate(withCredentials(register(), challengeResponse(auth), '101', 'nope'), lookup);
    const unknown = await auth.authenticate(withCredentials(register(), challengeResponse(auth), '999', 'nope'), lookup);
    expect(wrong).toEqual(unknown);
    expect(wrong).toEqual({ ok: false, error: { code: 'SIP_AUTH_FAILED', status: 401, stale: false, countsAsFailure: true } });
  });

  it('challenges a request without credentials, or with another scheme (RFC 4475 regaut01)', async () => {
    const auth = authenticator();
    expect(await auth.authenticate(register(), lookup)).toMatchObject({ ok: false, error: { code: 'SIP_AUTH_NO_CREDENTIALS', status: 401 } });
    const file = fileURLToPath(new URL('../../../test/fixtures/sip/rfc4475/regaut01.dat', import.meta.url));
    const r = parseMessage(readFileSync(file));
    if (!r.ok || r.value.kind !== 'request') throw new Error('regaut01');
    const out = await new DigestAuthenticator({ realm: 'example.com', nonceSecret: SECRET, now: () => 0 }).authenticate(r.value, lookup);
    expect(out).toMatchObject({ ok: false, error: { code: 'SIP_AUTH_NO_CREDENTIALS', status: 401 } });
  });

  it('answers an expired nonce with stale=true only when the digest was right (RFC 7616 3.3)', async () => {
    const clock = fakeClock();
    const auth = authenticator(clock);
    const res = challengeResponse(auth);
    const good = withCredentials(register(), res, '101', 'correct horse');
    const bad = withCredentials(register(), res, '101', 'wrong');
    clock.advance(300_001);
    expect(await auth.authenticate(good, lookup)).toMatchObject({ ok: false, error: { code: 'SIP_AUTH_STALE_NONCE', status: 401, stale: true, countsAsFailure: false } });
    expect(await auth.authenticate(bad, lookup)).toMatchObject({ ok: false, error: { code: 'SIP_AUTH_FAILED', stale: false } });
    const again = challengeResponse(auth, true);
    expect(getChallenges(again)[0]?.params.get('stale')).toBe('true');
  });

  it('refuses a replayed nonce-count and accepts the next one', async () => {
    const auth = authenticator();
    const res = challengeResponse(auth);
    const first = withCredentials(register(), res, '101', 'correct horse', { nc: 1 });
    expect((await auth.authenticate(first, lookup)).ok).toBe(true);
    expect(await auth.authenticate(first, lookup)).toMatchObject({ ok: false, error: { code: 'SIP_AUTH_REPLAY', stale: true } });
    const second = withCredentials(register(), res, '101', 'correct horse', { nc: 2 });
    expect((await auth.authenticate(second, lookup)).ok).toBe(true);
  });

  it('refuses a nonce it did not issue, or issued for another realm', async () => {
    const auth = authenticator();
    const other = new DigestAuthenticator({ realm: REALM, nonceSecret: Buffer.alloc(32, 9), now: () => Date.now() });
    const forged = withCredentials(register(), challengeResponse(other), '101', 'correct horse');
    expect(await auth.authenticate(forged, lookup)).toMatchObject({ ok: false, error: { code: 'SIP_AUTH_BAD_NONCE', status: 401 } });
    const issuer = new NonceIssuer({ secret: SECRET, now: () => 1_700_000_000_000 });
    expect(issuer.check(issuer.issue('other.example.com'), REALM)).toEqual({ state: 'invalid' });
    expect(issuer.check('not-a-nonce', REALM)).toEqual({ state: 'invalid' });
  });

  it('refuses credentials for another Request-URI with 400, and malformed ones with 400', async () => {
    const auth = authenticator();
    const res = challengeResponse(auth);
    const elsewhere = withCredentials(register(), res, '101', 'correct horse', { uri: 'sip:other.example.com' });
    expect(await auth.authenticate(elsewhere, lookup)).toMatchObject({ ok: false, error: { code: 'SIP_AUTH_URI_MISMATCH', status: 400 } });
    const malformed = { ...register(), headers: appendHeader(register().headers, 'Authorization', `Digest realm="${REALM}", username="101"`) };
    expect(await auth.authenticate(malformed, lookup)).toMatchObject({ ok: false, error: { code: 'SIP_AUTH_MALFORMED', status: 400 } });
  });

  it('accepts a digest-uri written differently but equal per RFC 3261 19.1.4', async () => {
    const auth = authenticator();
    const req = withCredentials(register('sip:PBX.example.com'), challengeResponse(auth), '101', 'correct horse', { uri: 'sip:pbx.example.com' });
    expect((await auth.authenticate(req, lookup)).ok).toBe(true);
  });

  it('uses 407 and Proxy-Authorization when acting as a proxy', async () => {
    const auth = authenticator(fakeClock(), { proxy: true });
    expect(auth.challenge()[0]?.name).toBe('Proxy-Authenticate');
    expect(await auth.authenticate(register(), lookup)).toMatchObject({ ok: false, error: { status: 407 } });
  });
});

describe('ReplayGuard', () => {
  it('keeps memory bounded and turns evicted nonces stale rather than replayable', () => {
    const guard = new ReplayGuard({ capacity: 3, lifetimeMs: 1000 });
    expect(guard.use('a', 1, 1, 10)).toBe('fresh');
    expect(guard.use('b', 2, 1, 10)).toBe('fresh');
    expect(guard.use('c', 3, 1, 10)).toBe('fresh');
    expect(guard.use('d', 4, 1, 10)).toBe('fresh');
    expect(guard.size).toBe(3);
    expect(guard.use('a', 1, 1, 10)).toBe('forgotten');
    expect(guard.use('d', 4, 1, 10)).toBe('replay');
    expect(guard.use('d', 4, 2, 10)).toBe('fresh');
  });

  it('drops entries whose nonce has expired', () => {
    const guard = new ReplayGuard({ capacity: 10, lifetimeMs: 100 });
    for (let i = 0; i < 5; i++) guard.use(`n${i}`, i, 1, i);
    guard.use('late', 500, 1, 500);
    expect(guard.size).toBe(1);
  });
});
