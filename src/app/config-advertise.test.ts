import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { generateSelfSignedCertificate } from '../sip/transport/index.ts';
import { advertisedAddresses, contactToward } from './config-advertise.ts';
import { ConfigError } from './config.ts';
import { phoneTrustAnchors } from './config-phone-ca.ts';

const noDns = (): Promise<string> => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' }));

describe('advertisedAddresses', () => {
  it('SIP and RTP from the settings, RTP following an IP given for SIP', async () => {
    expect(await advertisedAddresses({ bind: '0.0.0.0', sipAdvertise: '203.0.113.7', rtpAdvertise: '203.0.113.8' }, noDns)).toEqual({ sip: '203.0.113.7', rtp: '203.0.113.8' });
    expect(await advertisedAddresses({ bind: '0.0.0.0', sipAdvertise: '203.0.113.7', rtpAdvertise: undefined }, noDns)).toEqual({ sip: '203.0.113.7', rtp: '203.0.113.7' });
    expect(await advertisedAddresses({ bind: '10.1.2.3', sipAdvertise: undefined, rtpAdvertise: undefined }, noDns)).toEqual({ sip: '10.1.2.3', rtp: '10.1.2.3' });
  });

  it('resolves a SIP host name once for SDP, in the family SOTTO_BIND listens on', async () => {
    const asked: Array<[string, number]> = [];
    const resolve = (host: string, family: 4 | 6 | 0): Promise<string> => (asked.push([host, family]), Promise.resolve('198.51.100.9'));
    expect(await advertisedAddresses({ bind: '0.0.0.0', sipAdvertise: 'pbx.maple.example', rtpAdvertise: undefined }, resolve)).toEqual({ sip: 'pbx.maple.example', rtp: '198.51.100.9' });
    expect(asked).toEqual([['pbx.maple.example', 4]]);
  });

  it('a SIP host name that does not resolve, with no SOTTO_RTP_ADVERTISE, is CONFIG_INVALID naming SOTTO_RTP_ADVERTISE', async () => {
    const failure = await advertisedAddresses({ bind: '0.0.0.0', sipAdvertise: 'pbx.nowhere.example', rtpAdvertise: undefined }, noDns).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect(failure).toMatchObject({ code: 'CONFIG_INVALID', variable: 'SOTTO_RTP_ADVERTISE' });
  });

  it('bound to all interfaces with nothing set: one address per peer (loopback for a loopback phone)', async () => {
    const a = await advertisedAddresses({ bind: '0.0.0.0', sipAdvertise: undefined, rtpAdvertise: undefined }, noDns);
    expect(typeof a.sip).toBe('function');
    expect(typeof a.rtp === 'function' && a.rtp('127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('contactToward', () => {
  it('one Contact per transport for a fixed host, IPv6 in brackets', () => {
    const c = contactToward('2001:db8::5', { sip: 5060, tls: 5061 });
    expect([c('UDP', '192.0.2.1'), c('TCP', '192.0.2.1'), c('TLS', '192.0.2.1')]).toEqual(['<sip:[2001:db8::5]:5060>', '<sip:[2001:db8::5]:5060;transport=tcp>', '<sip:[2001:db8::5]:5061;transport=tls>']);
  });

  it('the host facing the peer when it depends on it', () => {
    const c = contactToward((peer) => (peer.startsWith('10.') ? '10.0.0.1' : '192.0.2.10'), { sip: 5070, tls: 5071 });
    expect([c('UDP', '10.9.9.9'), c('TLS', '192.0.2.77')]).toEqual(['<sip:10.0.0.1:5070>', '<sip:192.0.2.10:5071;transport=tls>']);
  });
});

describe('phoneTrustAnchors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-phone-ca-'));
  const cert = generateSelfSignedCertificate({ commonName: 'phone', altNames: ['127.0.0.1'], keyType: 'ec' });

  it("adds the file's certificates to Node's public CAs", () => {
    const file = join(dir, 'phones.pem');
    writeFileSync(file, `# front desk phones\n${cert.certPem}`);
    const anchors = phoneTrustAnchors(file)!;
    expect(anchors.length).toBe(rootCertificates.length + 1);
    expect(anchors[anchors.length - 1]).toBe(cert.certPem.trim());
    expect(phoneTrustAnchors(undefined)).toBeUndefined();
  });

  it.each([
    ['a private key instead of a certificate', cert.keyPem],
    // The first half of its lines: the DER inside ends too soon.
    ['a cut certificate', [...cert.certPem.trim().split('\n').slice(0, 3), '-----END CERTIFICATE-----'].join('\n')],
  ])('refuses %s, naming SOTTO_SIP_TLS_PHONE_CA', (_what, text) => {
    const file = join(dir, 'bad.pem');
    writeFileSync(file, text);
    let failure: unknown;
    try {
      phoneTrustAnchors(file);
    } catch (e) {
      failure = e;
    }
    expect(failure).toMatchObject({ code: 'CONFIG_INVALID', variable: 'SOTTO_SIP_TLS_PHONE_CA' });
  });
});
