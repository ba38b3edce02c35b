// Proves the interop harness against Kamailio, a registrar known to be right:
// every sipp scenario must produce exactly the RFC 3261 flow here, and baresip
// must register and unregister, before the same scenarios are trusted to judge
// Sotto's registrar. A failure here is a harness bug (or a Kamailio setup
// bug), not a Sotto bug.
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BaresipRegistrationError,
  contactBindings,
  describeSippRun,
  digestChallenges,
  freeSipPort,
  headerValue,
  kamailioAvailable,
  kamailioSqliteAvailable,
  kamailioTlsAvailable,
  runSipp,
  sippSupportsTls,
  SippTransportUnavailableError,
  startBaresip,
  startKamailio,
  type KamailioServer,
  type SipCredentials,
  type SippRunResult,
  type TracedSipMessage,
} from '../support/sip-peers.ts';

const DOMAIN = 'interop.sotto.test';
const TRANSPORTS = ['udp', 'tcp'] as const;
const CASES = ['auth', 'wrongpw', 'rereg', 'unreg', 'fetch', 'options', 'failing', 'phone', 'phonebad'] as const;
const TLS = kamailioTlsAvailable();

function user(name: string): SipCredentials {
  // One user per test, so the bindings each 200 lists are exactly that test's.
  return { username: name, domain: DOMAIN, password: `pw-${name}-Xq7` };
}
const users = [...TRANSPORTS, 'tls'].flatMap((t) => CASES.map((c) => user(`${c}-${t}`)));
const userFor = (c: (typeof CASES)[number], t: string): SipCredentials => user(`${c}-${t}`);

let kamailio: KamailioServer;

function sent(run: SippRunResult, index: number): TracedSipMessage {
  const m = run.messages.filter((x) => x.direction === 'sent')[index];
  if (!m) throw new Error(`no sent message #${index}\n${describeSippRun(run)}`);
  return m;
}
function received(run: SippRunResult, index: number): TracedSipMessage {
  const m = run.messages.filter((x) => x.direction === 'received')[index];
  if (!m) throw new Error(`no received message #${index}\n${describeSippRun(run)}`);
  return m;
}
/** The URI inside the Contact we sent. */
function sentContactUri(msg: TracedSipMessage): string {
  return /<([^>]+)>/.exec(headerValue(msg, 'contact') ?? '')?.[1] ?? '';
}
/** What must be equal between "wrong password" and "unknown user" answers. */
function shape(msg: TracedSipMessage): unknown {
  return {
    firstLine: msg.firstLine,
    headers: msg.headers.map((h) => h.name),
    challenge: digestChallenges(msg).map((c) => ({ ...c, nonce: c.nonce ? 'present' : 'absent' })),
  };
}

describe.skipIf(!kamailioAvailable())('interop harness proven against Kamailio', () => {
  beforeAll(async () => {
    kamailio = await startKamailio({ users, tls: TLS });
  });
  afterAll(async () => {
    await kamailio?.stop();
  });

  describe.each(TRANSPORTS)('sipp over %s', (transport) => {
    it('register-auth: REGISTER -> 401 challenge -> REGISTER with digest -> 200 listing our Contact with expires', async () => {
      const u = userFor('auth', transport);
      const run = await runSipp({ scenario: 'register-auth', target: kamailio.target, transport, ...u });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200']);
      expect(run.ok).toBe(true);
      expect(run.exitCode).toBe(0);
      expect(run.counts).toMatchObject({ successful: 1, failed: 0 });

      const [challenge] = digestChallenges(received(run, 0));
      expect(challenge).toMatchObject({ realm: DOMAIN, qop: 'auth' });
      expect(challenge?.nonce).toMatch(/.{8,}/);

      const auth = headerValue(sent(run, 1), 'authorization') ?? '';
      expect(auth).toMatch(new RegExp(`^Digest username="${u.username}",realm="${DOMAIN}",.*uri="sip:${DOMAIN}"`));
      expect(auth).toContain(`nonce="${challenge?.nonce}"`);
      expect(auth).toMatch(/response="[0-9a-f]{32}"/);

      const ok = received(run, 1);
      expect(headerValue(ok, 'call-id')).toBe(headerValue(sent(run, 1), 'call-id'));
      expect(headerValue(ok, 'cseq')).toBe('2 REGISTER');
      expect(contactBindings(ok)).toEqual([{ uri: sentContactUri(sent(run, 1)), expires: 3600 }]);
    });

    it('register-bad-credentials: a wrong password is challenged again, never 200', async () => {
      const u = userFor('wrongpw', transport);
      const run = await runSipp({ scenario: 'register-bad-credentials', target: kamailio.target, transport, ...u, password: 'not-the-password' });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 401']);
      expect(run.ok).toBe(true);
      expect(headerValue(sent(run, 1), 'authorization')).toMatch(/^Digest username="wrongpw-/);
    });

    it('register-bad-credentials: an unknown user gets exactly the answers a wrong password gets', async () => {
      const known = userFor('wrongpw', transport);
      const wrongPassword = await runSipp({ scenario: 'register-bad-credentials', target: kamailio.target, transport, ...known, password: 'not-the-password' });
      const unknownUser = await runSipp({ scenario: 'register-bad-credentials', target: kamailio.target, transport, ...user(`nobody-${transport}`) });
      expect(unknownUser.flow, describeSippRun(unknownUser)).toEqual(wrongPassword.flow);
      expect(shape(received(unknownUser, 0))).toEqual(shape(received(wrongPassword, 0)));
      expect(shape(received(unknownUser, 1))).toEqual(shape(received(wrongPassword, 1)));
    });

    it('reregister: a refresh without credentials is challenged, then the one binding gets its new expiry', async () => {
      const u = userFor('rereg', transport);
      const run = await runSipp({ scenario: 'reregister', target: kamailio.target, transport, ...u });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200', '> REGISTER', '< 401', '> REGISTER', '< 200']);
      const contact = sentContactUri(sent(run, 0));
      expect(contactBindings(received(run, 1))).toEqual([{ uri: contact, expires: 3600 }]);
      expect(headerValue(sent(run, 2), 'authorization')).toBeUndefined();
      expect(headerValue(received(run, 3), 'cseq')).toBe('4 REGISTER');
      expect(contactBindings(received(run, 3))).toEqual([{ uri: contact, expires: 1800 }]);
    });

    it('unregister: Expires: 0 removes the binding, and the 200 lists none', async () => {
      const u = userFor('unreg', transport);
      const run = await runSipp({ scenario: 'unregister', target: kamailio.target, transport, ...u });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200', '> REGISTER', '< 401', '> REGISTER', '< 200']);
      expect(contactBindings(received(run, 1))).toHaveLength(1);
      expect(headerValue(sent(run, 3), 'expires')).toBe('0');
      expect(contactBindings(received(run, 3))).toEqual([]);
    });

    it('fetch-bindings: a REGISTER without Contact changes nothing and lists the binding with its expiry', async () => {
      const u = userFor('fetch', transport);
      const run = await runSipp({ scenario: 'fetch-bindings', target: kamailio.target, transport, ...u });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200', '> REGISTER', '< 401', '> REGISTER', '< 200']);
      expect(headerValue(sent(run, 3), 'contact')).toBeUndefined();
      const listed = contactBindings(received(run, 3));
      expect(listed).toHaveLength(1);
      expect(listed[0]?.uri).toBe(sentContactUri(sent(run, 0)));
      expect(listed[0]?.expires).toBeGreaterThan(3500);
      expect(listed[0]?.expires).toBeLessThanOrEqual(3600);
    });

    it('options: an OPTIONS ping is answered 200 without a challenge', async () => {
      const run = await runSipp({ scenario: 'options', target: kamailio.target, transport, ...userFor('options', transport) });
      expect(run.flow, describeSippRun(run)).toEqual(['> OPTIONS', '< 200']);
      expect(headerValue(received(run, 0), 'cseq')).toBe('1 OPTIONS');
    });

    it('harness self-check: a run whose server answers differently is reported failed, with the flow it saw', async () => {
      const u = userFor('failing', transport);
      const run = await runSipp({ scenario: 'register-auth', target: kamailio.target, transport, ...u, password: 'wrong', printOnFailure: false });
      expect(run.ok).toBe(false);
      expect(run.exitCode).toBe(1);
      expect(run.counts).toMatchObject({ successful: 0, failed: 1, unexpectedMessages: 1 });
      expect(run.flow).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 401']);
      expect(run.unexpected).toEqual(['SIP/2.0 401 Unauthorized']);
      expect(describeSippRun(run)).toContain('flow: > REGISTER < 401 > REGISTER < 401');
    });
  });

  it('harness self-check: a run against a silent port ends by its deadline and reports failure', async () => {
    const silent = await freeSipPort(); // free: nothing listens there
    const run = await runSipp({
      scenario: 'options',
      target: `127.0.0.1:${silent}`,
      ...userFor('options', 'udp'),
      timeoutMs: 2000,
      printOnFailure: false,
    });
    expect(run.ok).toBe(false);
    expect(run.flow[0]).toBe('> OPTIONS');
    expect(run.flow).not.toContain('< 200');
  });

  it.skipIf(!TLS)('baresip over tls registers against a TLS 1.2+ listener with a self-signed certificate', async () => {
    const tls = kamailio.tls;
    if (!tls) throw new Error('kamailio started without TLS');
    const u = userFor('phone', 'tls');
    const phone = await startBaresip({ aor: `sip:${u.username}@${DOMAIN}`, password: u.password, transport: 'tls', outboundProxy: tls.target, tlsCaFile: tls.caFile });
    try {
      expect(phone.registration?.status).toBe(200);
      const msgs = phone.messages();
      expect(msgs.map((m) => `${m.direction === 'sent' ? '>' : '<'} ${m.status ?? m.method}`)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200']);
      expect(msgs.every((m) => m.transport === 'TLS')).toBe(true);
      expect(headerValue(msgs[0]!, 'via')).toMatch(/^SIP\/2\.0\/TLS /);
    } finally {
      await phone.stop();
    }
  });

  it.skipIf(sippSupportsTls())('sipp over tls is refused up front with a clear error (Debian builds sipp without OpenSSL)', async () => {
    await expect(runSipp({ scenario: 'options', target: kamailio.target, transport: 'tls', ...userFor('options', 'tls') })).rejects.toBeInstanceOf(
      SippTransportUnavailableError,
    );
  });

  describe.each(TRANSPORTS)('baresip over %s', (transport) => {
    it('registers with digest auth, is visible to a bindings query, and unregisters when stopped', async () => {
      const u = userFor('phone', transport);
      const phone = await startBaresip({ aor: `sip:${u.username}@${DOMAIN}`, password: u.password, transport, outboundProxy: kamailio.target });
      let stopped = false;
      try {
        expect(phone.registration).toEqual({ status: 200, reason: expect.stringContaining('OK'), bindings: 1 });
        const flow = phone.messages().map((m) => `${m.direction === 'sent' ? '>' : '<'} ${m.status ?? m.method}`);
        expect(flow).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200']);
        expect(phone.messages()[0]?.transport).toBe(transport.toUpperCase());

        const query = await runSipp({ scenario: 'fetch-bindings', target: kamailio.target, transport, ...u });
        const listed = contactBindings(received(query, 3)).map((b) => b.uri);
        expect(listed.some((uri) => uri.includes(`@127.0.0.1:${phone.sipPort}`)), listed.join(', ')).toBe(true);

        await phone.stop();
        stopped = true;
        const after = phone.messages();
        const unregister = after.slice(4).find((m) => m.method === 'REGISTER' && /expires=0/.test(headerValue(m, 'contact') ?? ''));
        expect(unregister, after.map((m) => m.firstLine).join('\n')).toBeDefined();
        expect(after.at(-1)?.status).toBe(200);
      } finally {
        if (!stopped) await phone.stop();
      }
    });

    it('reports a wrong password as a failed registration (401)', async () => {
      const u = userFor('phonebad', transport);
      const attempt = startBaresip({ aor: `sip:${u.username}@${DOMAIN}`, password: 'wrong-password', transport, outboundProxy: kamailio.target });
      await expect(attempt).rejects.toBeInstanceOf(BaresipRegistrationError);
      await expect(attempt).rejects.toMatchObject({ outcome: { status: 401 } });
    });
  });
});

// The benchmark's like-for-like peer: bindings written through to SQLite before the 200 OK.
describe.skipIf(!kamailioAvailable() || !kamailioSqliteAvailable())('Kamailio with bindings in SQLite (usrloc db_mode 1)', () => {
  it('has the binding in its SQLite location table, in WAL mode, once the 200 OK has arrived', async () => {
    const u = user('sqlite-udp');
    const kam = await startKamailio({ users: [u], locationDb: 'sqlite' });
    try {
      expect(kam.locationDb?.journalMode).toBe('wal');
      const run = await runSipp({ scenario: 'register-auth', target: kam.target, transport: 'udp', ...u });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200']);
      const file = kam.locationDb?.file as string;
      const db = new SQLite(file, { readonly: true });
      try {
        const rows = db.prepare('SELECT username, contact FROM location').all() as Array<{ username: string; contact: string }>;
        expect(rows.map((r) => r.username)).toEqual([u.username]);
        expect(rows[0]?.contact).toBe(sentContactUri(sent(run, 1)));
      } finally {
        db.close();
      }
    } finally {
      await kam.stop();
    }
  });
});
