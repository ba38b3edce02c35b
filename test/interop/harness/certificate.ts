// A throwaway self-signed certificate for a TLS peer on loopback (CN and
// subjectAltName 127.0.0.1, valid two days), made with the openssl CLI since
// Node cannot issue X.509 certificates itself.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

export function selfSignedCertificate(dir: string): CertificateFiles {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore', timeout: 20_000 },
  );
  return { certFile, keyFile };
}
