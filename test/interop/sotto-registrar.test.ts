// The scenarios proven against Kamailio (kamailio-harness.test.ts), pointed at
// Sotto started as an operator would (`sotto demo`, `sotto start`).
//
// Sotto's demo has three extensions shared by the tests, so bindings are
// checked as "ours is listed" rather than "only ours is listed".
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  contactBindings,
  describeSippRun,
  digestChallenges,
  headerValue,
  runSipp,
  startBaresip,
  startSotto,
  type SipCredentials,
  type SippRunResult,
  type SottoServer,
  type TracedSipMessage,
} from '../support/sip-peers.ts';

const TRANSPORTS = ['udp', 'tcp'] as const;

let sotto: SottoServer | undefined;

/** Sotto must be up and answering OPTIONS: a silent SIP side fails, never skips. */
function requireSip(_ctx: TestContext): SottoServer {
  if (!sotto?.sipAnswering) throw new Error('Sotto did not answer SIP OPTIONS after `sotto start`');
  return sotto;
}
function ext(s: SottoServer, index: number): SipCredentials {
  const u = s.users[index];
  if (!u) throw new Error(`demo has no extension #${index}`);
  return u;
}
const only = (run: SippRunResult, dir: 'sent' | 'received', i: number): TracedSipMessage => {
  const m = run.messages.filter((x) => x.direction === dir)[i];
  if (!m) throw new Error(`no ${dir} message #${i}\n${describeSippRun(run)}`);
  return m;
};
const contactUri = (m: TracedSipMessage): string => /<([^>]+)>/.exec(headerValue(m, 'contact') ?? '')?.[1] ?? '';
const shape = (m: TracedSipMessage): unknown => ({
  firstLine: m.firstLine,
  headers: m.headers.map((h) => h.name.toLowerCase()).filter((n) => n !== 'content-length'),
  challenge: digestChallenges(m).map((c) => Object.keys(c).sort()),
});

describe('Sotto registrar with real peers (sipp, baresip)', () => {
  beforeAll(async () => {
    sotto = await startSotto({ sipWaitMs: 10_000 });
  }, 120_000);
  afterAll(async () => {
    await sotto?.stop();
  });

  describe.each(TRANSPORTS)('sipp over %s', (transport) => {
    it('register-auth: REGISTER -> 401 (MD5 challenge first) -> REGISTER with digest -> 200 listing our Contact with expires', async (ctx) => {
      const s = requireSip(ctx);
      const run = await runSipp({ scenario: 'register-auth', target: s.target, transport, ...ext(s, 0) });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200']);
      const first = digestChallenges(only(run, 'received', 0))[0];
      expect(first?.realm).toBeTruthy();
      // DESIGN.md: MD5 first by default, since sipp and many phones read only the first challenge.
      expect(first?.algorithm ?? 'MD5').toMatch(/^MD5$/i);
      const ours = contactBindings(only(run, 'received', 1)).find((b) => b.uri === contactUri(only(run, 'sent', 1)));
      expect(ours?.expires).toBeGreaterThan(0);
      expect(ours?.expires).toBeLessThanOrEqual(3600);
    });

    it('register-bad-credentials: wrong password and unknown user get the same answers, never 200', async (ctx) => {
      const s = requireSip(ctx);
      const u = ext(s, 1);
      const wrong = await runSipp({ scenario: 'register-bad-credentials', target: s.target, transport, ...u, password: `${u.password}x` });
      const unknown = await runSipp({ scenario: 'register-bad-credentials', target: s.target, transport, ...u, username: '999' });
      expect(wrong.ok, describeSippRun(wrong)).toBe(true);
      expect(unknown.flow, describeSippRun(unknown)).toEqual(wrong.flow);
      expect(shape(only(unknown, 'received', 0))).toEqual(shape(only(wrong, 'received', 0)));
      expect(shape(only(unknown, 'received', 1))).toEqual(shape(only(wrong, 'received', 1)));
    });

    it('reregister: a refresh is challenged, then our binding gets its new expiry', async (ctx) => {
      const s = requireSip(ctx);
      const run = await runSipp({ scenario: 'reregister', target: s.target, transport, ...ext(s, 2) });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200', '> REGISTER', '< 401', '> REGISTER', '< 200']);
      const ours = contactBindings(only(run, 'received', 3)).filter((b) => b.uri === contactUri(only(run, 'sent', 0)));
      expect(ours).toHaveLength(1);
      expect(ours[0]?.expires).toBeLessThanOrEqual(1800);
    });

    it('unregister: Expires: 0 removes our binding', async (ctx) => {
      const s = requireSip(ctx);
      const run = await runSipp({ scenario: 'unregister', target: s.target, transport, ...ext(s, 2) });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200', '> REGISTER', '< 401', '> REGISTER', '< 200']);
      expect(contactBindings(only(run, 'received', 3)).map((b) => b.uri)).not.toContain(contactUri(only(run, 'sent', 0)));
    });

    it('fetch-bindings: a REGISTER without Contact lists our binding with its expiry', async (ctx) => {
      const s = requireSip(ctx);
      const run = await runSipp({ scenario: 'fetch-bindings', target: s.target, transport, ...ext(s, 0) });
      expect(run.flow, describeSippRun(run)).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200', '> REGISTER', '< 401', '> REGISTER', '< 200']);
      const ours = contactBindings(only(run, 'received', 3)).find((b) => b.uri === contactUri(only(run, 'sent', 0)));
      expect(ours?.expires).toBeGreaterThan(0);
    });

    it('options: an OPTIONS ping is answered 200 without a challenge', async (ctx) => {
      const s = requireSip(ctx);
      const run = await runSipp({ scenario: 'options', target: s.target, transport, ...ext(s, 0) });
      expect(run.flow, describeSippRun(run)).toEqual(['> OPTIONS', '< 200']);
    });

    it(`baresip registers over ${transport} and unregisters when stopped`, async (ctx) => {
      const s = requireSip(ctx);
      const u = ext(s, 1);
      const phone = await startBaresip({ aor: `sip:${u.username}@${u.domain}`, password: u.password, transport, outboundProxy: s.target });
      try {
        expect(phone.registration?.status).toBe(200);
      } finally {
        await phone.stop();
      }
      const last = phone.messages().at(-1);
      expect(last?.status, phone.output.slice(-4000)).toBe(200);
    });
  });
});
