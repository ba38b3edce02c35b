import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkKeyPair, generateSelfSignedCertificate } from './self-signed-certificate.ts';

describe('self-signed certificate for the default install', () => {
  it.each(['rsa', 'ec'] as const)('writes a valid, self-verifying %s X.509 v3 certificate with the SANs asked for', (keyType) => {
    const now = new Date('2026-11-28T00:00:00Z');
    const c = generateSelfSignedCertificate({ commonName: 'pbx.example.com', altNames: ['192.0.2.10', '2001:db8::1'], keyType, days: 30, now });
    const x = new X509Certificate(c.certPem);
    expect(x.subject).toBe('CN=pbx.example.com');
    expect(x.issuer).toBe('CN=pbx.example.com');
    expect(x.subjectAltName).toBe('DNS:pbx.example.com, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(new Date(x.validFrom).toISOString()).toBe('2026-11-27T23:00:00.000Z');
    expect(new Date(x.validTo).toISOString()).toBe('2026-12-28T00:00:00.000Z');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(checkKeyPair(c.certPem, c.keyPem)).toBe(true);
  });

  it('detects a key that does not belong to the certificate', () => {
    const a = generateSelfSignedCertificate({ commonName: 'a', keyType: 'ec' });
    const b = generateSelfSignedCertificate({ commonName: 'b', keyType: 'ec' });
    expect(checkKeyPair(a.certPem, b.keyPem)).toBe(false);
  });
});
