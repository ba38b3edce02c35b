/**
 * A self-signed certificate for the default install, so SIP over TLS works
 * out of the box before an operator installs a real one.
 *
 * Built here with node:crypto and a small DER writer rather than by
 * spawning `openssl req -x509`: no dependency on a binary being installed
 * (or on its version's flags), no temp files holding a private key, and the
 * result is checked in tests with node's own X509Certificate parser.
 *
 * RSA 2048 by default: many desk phones and ATAs still in service offer
 * only RSA cipher suites. ECDSA P-256 is available for modern fleets.
 */

import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, boolean, explicit, implicitPrimitive, nullValue, octetString, oid, sequence, set, smallInteger, time, unsignedInteger, utf8String } from './der.ts';

export interface SelfSignedOptions {
  /** Subject CN and first subjectAltName (a host name or an IP address). */
  readonly commonName: string;
  /** More host names or IP addresses for subjectAltName. */
  readonly altNames?: readonly string[];
  readonly keyType?: 'rsa' | 'ec';
  /** Validity in days from now (default 825, the CA/B Forum maximum many clients enforce). */
  readonly days?: number;
  readonly now?: Date;
}

export interface SelfSignedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

export function generateSelfSignedCertificate(options: SelfSignedOptions): SelfSignedCertificate {
  const keyType = options.keyType ?? 'rsa';
  const { privateKey, publicKey } =
    keyType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certDer = buildCertificate(options, privateKey, publicKey, keyType);
  const certPem = `-----BEGIN CERTIFICATE-----\n${certDer.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem, keyPem };
}

function buildCertificate(options: SelfSignedOptions, privateKey: KeyObject, publicKey: KeyObject, keyType: 'rsa' | 'ec'): Buffer {
  const algorithm = keyType === 'rsa' ? sequence(oid(SHA256_WITH_RSA), nullValue()) : sequence(oid(ECDSA_WITH_SHA256));
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8String(options.commonName))));
  const now = options.now ?? new Date();
  // Back-date an hour so a client whose clock runs slightly behind accepts it.
  const notBefore = new Date(now.getTime() - 3_600_000);
  const notAfter = new Date(now.getTime() + (options.days ?? 825) * 86_400_000);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // RFC 5280 4.1.2.2: positive, at most 20 octets

  const names = [options.commonName, ...(options.altNames ?? [])];
  const generalNames = names.map((n) => (isIP(n) ? implicitPrimitive(7, ipBytes(n)) : implicitPrimitive(2, Buffer.from(n, 'ascii'))));
  const extensions = sequence(
    // basicConstraints: not a CA (RFC 5280 4.2.1.9).
    sequence(oid('2.5.29.19'), boolean(true), octetString(sequence())),
    // keyUsage, critical: digitalSignature, plus keyEncipherment for RSA key exchange.
    sequence(oid('2.5.29.15'), boolean(true), octetString(Buffer.from(keyType === 'rsa' ? [0x03, 0x02, 0x05, 0xa0] : [0x03, 0x02, 0x07, 0x80]))),
    // extKeyUsage: serverAuth, clientAuth (the same cert serves outgoing TLS).
    sequence(oid('2.5.29.37'), octetString(sequence(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))),
    // subjectAltName (RFC 5280 4.2.1.6): what TLS clients actually check.
    sequence(oid('2.5.29.17'), octetString(sequence(...generalNames))),
  );
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey);
  return sequence(tbs, algorithm, bitString(signature));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // Expand '::' and write eight 16-bit groups.
  const [head = '', tail = ''] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Loads a PEM pair, failing early with a clear message when they do not belong together. */
export function checkKeyPair(certPem: string, keyPem: string): boolean {
  try {
    const key = createPrivateKey(keyPem);
    const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const fromCert = createPublicKey(certPem).export({ type: 'spki', format: 'der' });
    return fromKey.equals(fromCert);
  } catch {
    return false;
  }
}
