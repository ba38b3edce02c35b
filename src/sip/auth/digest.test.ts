import { describe, expect, it } from 'vitest';
import { computeDigestResponse, computeHa1, parseAlgorithm } from './index.ts';

describe('digest computation (golden vectors)', () => {
  it('RFC 2617 3.5: MD5, qop=auth', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    expect(
      computeDigestResponse({ algorithm: 'MD5', ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  // RFC 7616 3.9.1: the same request answered with MD5 and with SHA-256.
  const rfc7616 = { nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', method: 'GET', uri: '/dir/index.html', qop: 'auth' as const, nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const)('RFC 7616 3.9.1: %s', (algorithm, expected) => {
    const ha1 = computeHa1(algorithm, 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    expect(computeDigestResponse({ ...rfc7616, algorithm, ha1 })).toBe(expected);
  });

  it('RFC 2069 form when no qop is used', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'CircleOfLife');
    expect(computeDigestResponse({ algorithm: 'MD5', ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html' })).toBe(
      '1949323746fe6a43ef61f9606e7febea',
    );
  });

  it('-sess algorithms derive the session HA1 from the stored one', () => {
    const ha1 = computeHa1('MD5', 'u', 'r', 'p');
    const plain = computeDigestResponse({ algorithm: 'MD5', ha1, nonce: 'n', method: 'REGISTER', uri: 'sip:r', qop: 'auth', nc: '00000001', cnonce: 'c' });
    const sess = computeDigestResponse({ algorithm: 'MD5-sess', ha1, nonce: 'n', method: 'REGISTER', uri: 'sip:r', qop: 'auth', nc: '00000001', cnonce: 'c' });
    expect(sess).toMatch(/^[0-9a-f]{32}$/);
    expect(sess).not.toBe(plain);
  });

  it('reads algorithm names case-insensitively, absent meaning MD5', () => {
    expect(parseAlgorithm(undefined)).toBe('MD5');
    expect(parseAlgorithm('sha-256')).toBe('SHA-256');
    expect(parseAlgorithm('SHA-1')).toBeUndefined();
  });
});
