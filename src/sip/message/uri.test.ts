import { describe, expect, it } from 'vitest';
import { formatUri, parseUri, uriEquals, uriParam, type SipUri, type Uri } from './index.ts';

function uri(text: string): Uri {
  const r = parseUri(text);
  if (!r.ok) throw new Error(`${text}: ${r.error}`);
  return r.value;
}

describe('parseUri', () => {
  it('splits a full SIP URI into its parts', () => {
    expect(uri('sips:alice:secret@Atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent')).toEqual({
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'Atlanta.example.com',
      hostKind: 'domain',
      port: 5061,
      params: [
        { name: 'transport', value: 'tcp' },
        { name: 'lr', value: null },
      ],
      headers: [
        { name: 'subject', value: 'project x' },
        { name: 'priority', value: 'urgent' },
      ],
    });
  });

  it('reads tel URIs and keeps unknown schemes opaque', () => {
    expect(uri('tel:+1-201-555-0123;ext=101')).toEqual({ scheme: 'tel', number: '+1-201-555-0123', params: [{ name: 'ext', value: '101' }] });
    expect(uri('urn:service:sos')).toEqual({ scheme: 'urn', opaque: 'service:sos' });
  });

  it.each([
    ['no scheme', 'alice@example.com', 'URI_NO_SCHEME'],
    ['space inside', 'sip:alice@example.com; lr', 'URI_BAD_CHAR'],
    ['bad port', 'sip:alice@example.com:99999', 'URI_BAD_PORT'],
    ['bare IPv6', 'sip:2001:db8::1', 'URI_BAD_PORT'],
    ['bad escape', 'sip:al%zzice@example.com', 'URI_BAD_ESCAPE'],
    ['empty host', 'sip:alice@', 'URI_BAD_HOST'],
    ['unclosed bracket', 'sip:[2001:db8::1', 'URI_BAD_HOST'],
    ['empty user', 'sip:@example.com', 'URI_BAD_USERINFO'],
    ['header without value', 'sip:a@example.com?subject', 'URI_BAD_HEADER'],
    ['bad tel', 'tel:hello', 'URI_BAD_TEL'],
  ])('refuses %s', (_why, text, code) => {
    const r = parseUri(text);
    expect(r.ok ? 'ok' : r.error).toBe(code);
  });

  it('escapes on output exactly what the grammar requires', () => {
    expect(formatUri(uri('sip:I%20have%20spaces@example.net'))).toBe('sip:I%20have%20spaces@example.net');
    expect(formatUri(uri('sip:%75se%72@example.com'))).toBe('sip:user@example.com');
    expect(formatUri(uri('sip:sips%3Auser%40example.com@example.net'))).toBe('sip:sips%3Auser%40example.com@example.net');
    expect(formatUri(uri('sip:example.com;n%61me=v%61lue%25'))).toBe('sip:example.com;name=value%25');
    expect(formatUri(uri('sip:user@example.com?Route=%3Csip:example.com%3E'))).toBe('sip:user@example.com?Route=%3Csip:example.com%3E');
    expect(formatUri(uri('sip:[2001:db8::1]:5070'))).toBe('sip:[2001:db8::1]:5070');
  });

  it('reads parameters case-insensitively', () => {
    expect(uriParam(uri('sip:a@b;Transport=TCP') as SipUri, 'transport')).toBe('TCP');
    expect(uriParam(uri('sip:a@b;lr') as SipUri, 'LR')).toBeNull();
    expect(uriParam(uri('sip:a@b') as SipUri, 'lr')).toBeUndefined();
  });
});

describe('uriEquals (RFC 3261 19.1.4)', () => {
  // The RFC's own examples of equivalent and non-equivalent URIs.
  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
    ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
    ['tel:+1-201-555-0123', 'tel:+12015550123'],
  ])('%s equals %s', (a, b) => {
    expect(uriEquals(uri(a), uri(b))).toBe(true);
    expect(uriEquals(uri(b), uri(a))).toBe(true);
  });

  it.each([
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:alice@atlanta.com', 'sips:alice@atlanta.com'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'],
  ])('%s differs from %s', (a, b) => {
    expect(uriEquals(uri(a), uri(b))).toBe(false);
  });
});

describe('parseUri remembers recent URIs', () => {
  it('gives a repeated URI the same result', () => {
    const text = 'sip:alice%40home@Example.COM:5070;transport=udp;lr?subject=hi';
    const first = parseUri(text);
    const again = parseUri(`${text} `.trimEnd());
    expect(again).toEqual(first);
    if (!again.ok || again.value.scheme !== 'sip') throw new Error('expected a SIP URI');
    const sip = again.value as SipUri;
    expect(sip.user).toBe('alice@home');
    expect(sip.port).toBe(5070);
    // A different text is parsed for itself; bad ones are still refused.
    expect(parseUri('sip:bob@example.com').ok && (parseUri('sip:bob@example.com') as { value: { user?: string } }).value.user).toBe('bob');
    expect(parseUri('sip:bob@exa mple.com').ok).toBe(false);
  });
});
