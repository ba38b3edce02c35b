/**
 * RFC 4475 torture messages: every one of the 49, byte for byte, with the
 * outcome the RFC's text asks for (test/fixtures/sip/rfc4475/EXPECTED.tsv).
 * Valid messages parse and survive serialize -> parse unchanged; invalid
 * ones are refused with the status a server must answer, or dropped.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkRequest,
  createResponse,
  getCallId,
  getContacts,
  getCSeq,
  getFrom,
  getHeader,
  getMaxForwards,
  getTo,
  getVias,
  parseMessage,
  serializeMessage,
  type SipMessage,
  type SipRequest,
  type SipUri,
} from './index.ts';
import { sameRequestUri, semanticView } from './test-support.ts';
import { DigestAuthenticator } from '../auth/index.ts';

const DIR = fileURLToPath(new URL('../../../test/fixtures/sip/rfc4475/', import.meta.url));

interface Row {
  name: string;
  section: string;
  expect: string;
}

const rows: Row[] = readFileSync(DIR + 'EXPECTED.tsv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [name = '', section = '', , expect = ''] = line.split('\t');
    return { name, section, expect };
  });

const load = (name: string): Buffer => readFileSync(DIR + name + '.dat');

function parsed(name: string): SipMessage {
  const r = parseMessage(load(name));
  if (!r.ok) throw new Error(`${name}: ${r.error.code}`);
  return r.value;
}

function request(name: string): SipRequest {
  const m = parsed(name);
  if (m.kind !== 'request') throw new Error(`${name} is not a request`);
  return m;
}

function expectRoundTrip(msg: SipMessage): void {
  const again = parseMessage(serializeMessage(msg));
  expect(again.ok).toBe(true);
  if (!again.ok) return;
  expect(semanticView(again.value)).toEqual(semanticView(msg));
  if (msg.kind === 'request') expect(sameRequestUri(msg, again.value)).toBe(true);
  // A second pass is byte-stable: serialization is a fixed point.
  expect(serializeMessage(again.value).equals(serializeMessage(msg))).toBe(true);
}

/** Endpoint behaviour for the application-level cases of RFC 4475 3.3. */
const ENDPOINT = { supportedOptions: ['path', 'outbound', 'replaces', 'timer'], acceptedContentTypes: ['application/sdp'] };

describe('RFC 4475 torture messages', () => {
  it('has all 49 messages, unaltered', () => {
    expect(rows).toHaveLength(49);
    const sums = readFileSync(DIR + 'SHA256SUMS', 'utf8').trim().split('\n');
    for (const line of sums) {
      const [sum, file] = line.split(/\s+/) as [string, string];
      expect(createHash('sha256').update(readFileSync(DIR + file)).digest('hex'), file).toBe(sum);
    }
  });

  describe.each(rows)('$name ($section, expect $expect)', ({ name, section, expect: outcome }) => {
    it('gets the outcome the RFC asks for', () => {
      const result = parseMessage(load(name));
      switch (outcome) {
        case 'parse':
        case '483-or-parse':
        case '416':
        case '420':
        case '415':
        case '401':
        case '4xx':
        case '406-or-400':
          // Well formed: parses; any refusal is the application's, tested below.
          expect(result.ok, result.ok ? '' : result.error.code).toBe(true);
          if (result.ok) expectRoundTrip(result.value);
          break;
        case 'ignore':
          if (section === 'valid' || section === 'application') {
            expect(result.ok && result.value.kind === 'response').toBe(true);
            if (result.ok) expectRoundTrip(result.value);
          } else {
            expect(result.ok).toBe(false);
            if (!result.ok) expect(result.error.status).toBe('drop');
          }
          break;
        case '400':
        case '505':
          expect(result.ok).toBe(false);
          if (!result.ok) {
            expect(result.error.status).toBe(Number(outcome));
            // The partial request is enough to answer (RFC 3261 8.2.6).
            const req = result.error.request;
            expect(req).toBeDefined();
            if (req) {
              const res = createResponse(req, Number(outcome));
              const wire = serializeMessage(res).toString('latin1');
              expect(wire.startsWith(`SIP/2.0 ${outcome} `)).toBe(true);
              expect(getHeader(res.headers, 'call-id')).toBe(getHeader(req.headers, 'call-id'));
            }
          }
          break;
        case '400-or-accept':
          if (result.ok) expectRoundTrip(result.value);
          else expect(result.error.status).toBe(400);
          break;
        case '501-or-400':
          if (!result.ok) expect(result.error.status).toBe(400);
          break;
        case 'drop-or-400':
          expect(result.ok).toBe(false);
          if (!result.ok) expect(['drop', 400]).toContain(result.error.status);
          break;
        default:
          throw new Error(`unknown expectation ${outcome}`);
      }
    });
  });
});

describe('RFC 4475 3.1.1 valid messages, field by field', () => {
  it('wsinv: folding, LWS around every separator, compact and mixed-case names', () => {
    const m = request('wsinv');
    expect(m.method).toBe('INVITE');
    expect(getTo(m)?.tag).toBe('1918181833n');
    expect(getFrom(m)?.tag).toBe('98asjd8');
    expect(getFrom(m)?.displayName).toBe('J Rosenberg \\"');
    expect(getMaxForwards(m)).toBe(68);
    expect(getCSeq(m)).toEqual({ seq: 9, method: 'INVITE' });
    expect(getVias(m).map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(getHeader(m.headers, 'NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(getHeader(m.headers, 'subject')).toBe('');
    const [contact] = getContacts(m);
    expect(contact && !contact.star && contact.q).toBe(0.33);
    expect(contact && !contact.star && contact.displayName).toBe('Quoted string ""');
    expect(m.body.length).toBe(150);
  });

  it('intmeth: unusual method, URI and quoted control characters', () => {
    const m = request('intmeth');
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const uri = m.uri as SipUri;
    expect(uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(getTo(m)?.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(getCallId(m)).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  });

  it('esc01 / escnull: escapes decode, and compare equal to the plain form', () => {
    const m = request('esc01');
    expect((m.uri as SipUri).user).toBe('sips:user@example.com');
    expect((getTo(m)?.uri as SipUri).user).toBe('user');
    expect((getFrom(m)?.uri as SipUri).user).toBe('I have spaces');
    const [c] = getContacts(m);
    const curi = c && !c.star ? (c.uri as SipUri) : undefined;
    expect(curi?.user).toBe('caller');
    expect(curi?.params).toEqual([
      { name: 'lr', value: null },
      { name: 'name', value: 'value%41' },
    ]);
    const n = request('escnull');
    expect((getTo(n)?.uri as SipUri).user).toBe('null-\x00-null');
    expect(getContacts(n).map((x) => (!x.star ? (x.uri as SipUri).user : '*'))).toEqual(['\x00', '\x00\x00']);
  });

  it('dblreq: octets after Content-Length are not a second message (RFC 3261 18.3)', () => {
    const m = request('dblreq');
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  });

  it('mpart01: binary body kept byte for byte', () => {
    const raw = load('mpart01');
    const m = request('mpart01');
    expect(m.body.length).toBe(553);
    expect(m.body.equals(raw.subarray(raw.length - 553))).toBe(true);
  });

  it('unreason / noreason: UTF-8 and empty reason phrases', () => {
    const u = parsed('unreason');
    expect(u.kind === 'response' && u.reason.startsWith('= 2**3 * 5**2 но')).toBe(true);
    const n = parsed('noreason');
    expect(n.kind === 'response' && n.status === 100 && n.reason === '').toBe(true);
  });

  it('inv2543: RFC 2543 message without Content-Length takes the rest of the datagram', () => {
    const m = request('inv2543');
    expect(getVias(m)[0]?.branch).toBeUndefined();
    expect(getFrom(m)?.tag).toBeUndefined();
    expect(getMaxForwards(m)).toBeUndefined();
    expect(m.body.toString('latin1').startsWith('v=0\r\n')).toBe(true);
  });
});

describe('RFC 4475 3.3 application-level answers', () => {
  it('unkscm / novelsc: 416 for a Request-URI scheme nobody here handles', () => {
    for (const name of ['unkscm', 'novelsc']) {
      const r = checkRequest(request(name), ENDPOINT);
      expect(!r.ok && r.error.status).toBe(416);
    }
  });

  it('unksm2: a REGISTER whose To is not a SIP URI is refused with 400', () => {
    const r = checkRequest(request('unksm2'), ENDPOINT);
    expect(!r.ok && r.error.status).toBe(400);
  });

  it('bext01: 420 with Unsupported listing every unknown option tag', () => {
    const r = checkRequest(request('bext01'), ENDPOINT);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.status).toBe(420);
    expect(r.error.headers).toEqual([
      { name: 'Unsupported', value: 'nothingSupportsThis, nothingSupportsThisEither, noProxiesSupportThis, norDoAnyProxiesSupportThis' },
    ]);
  });

  it('invut: 415 carrying Accept', () => {
    const r = checkRequest(request('invut'), ENDPOINT);
    expect(!r.ok && r.error.status).toBe(415);
    expect(!r.ok && r.error.headers).toEqual([{ name: 'Accept', value: 'application/sdp' }]);
  });

  it('sdp01: 406 when the answer would be SDP and Accept rules it out', () => {
    const r = checkRequest(request('sdp01'), { ...ENDPOINT, answerContentType: 'application/sdp' });
    expect(!r.ok && r.error.status).toBe(406);
  });

  it('zeromf: an endpoint processes Max-Forwards 0, a proxy answers 483', () => {
    expect(checkRequest(request('zeromf'), ENDPOINT).ok).toBe(true);
    const r = checkRequest(request('zeromf'), { ...ENDPOINT, isProxy: true });
    expect(!r.ok && r.error.status).toBe(483);
  });

  it('cparam01 / cparam02: contact-param versus URI parameter', () => {
    const [c1] = getContacts(request('cparam01'));
    const [c2] = getContacts(request('cparam02'));
    expect(c1 && !c1.star && c1.params).toEqual([{ name: 'unknownparam', value: null }]);
    expect(c1 && !c1.star && (c1.uri as SipUri).params).toEqual([]);
    expect(c2 && !c2.star && c2.params).toEqual([]);
    expect(c2 && !c2.star && (c2.uri as SipUri).params).toEqual([{ name: 'unknownparam', value: null }]);
  });

  it('regescrt: an escaped Route header inside a Contact URI', () => {
    const [c] = getContacts(request('regescrt'));
    expect(c && !c.star && (c.uri as SipUri).headers).toEqual([{ name: 'Route', value: '<sip:sip.example.com>' }]);
  });

  it('regaut01: an unknown Authorization scheme gets a fresh 401 challenge', async () => {
    const auth = new DigestAuthenticator({ realm: 'example.com', nonceSecret: Buffer.alloc(32, 1), now: () => 1_700_000_000_000 });
    const r = await auth.authenticate(request('regaut01'), () => undefined);
    expect(!r.ok && [r.error.code, r.error.status]).toEqual(['SIP_AUTH_NO_CREDENTIALS', 401]);
  });

  it('multi01 / mcl01: repeated singleton headers are a 400', () => {
    for (const name of ['multi01', 'mcl01']) {
      const r = parseMessage(load(name));
      expect(!r.ok && r.error.code).toBe('SIP_DUPLICATE_HEADER');
    }
  });
});
