// SOTTO_SIP_TLS_PHONE_CA: the CAs Sotto trusts for phones' TLS
// certificates when it opens a connection to a phone (after a restart, to
// the phone's Contact: contact-fallback.ts). Added to Node's bundled public
// CAs, not instead of them: a phone with a publicly issued certificate keeps
// working, and a practice's own CA (or a phone's self-signed certificate,
// which is its own CA) is added beside them. The certificate must still name
// the address Sotto dials (RFC 5922 7.2, as for any TLS server): an IP
// address SAN for a Contact with an IP, a DNS SAN for one with a name.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfigError } from './config.ts';

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The trust anchors for outgoing TLS to phones; undefined (Node's store) when no file is set. */
export function phoneTrustAnchors(file: string | undefined): string[] | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('SOTTO_SIP_TLS_PHONE_CA', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const pems = text.match(PEM) ?? [];
  if (pems.length === 0) throw new ConfigError('SOTTO_SIP_TLS_PHONE_CA', `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  pems.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch {
      throw new ConfigError('SOTTO_SIP_TLS_PHONE_CA', `certificate ${i + 1} in ${file} is not a valid PEM certificate`);
    }
  });
  return [...rootCertificates, ...pems];
}
