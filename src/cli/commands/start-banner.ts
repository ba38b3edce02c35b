// What `sotto start` prints once it listens: where the portal, API and SIP
// are, and on an empty install the command that makes the first admin (the
// same one the README shows, so it works when pasted). No PHI: addresses,
// ports, paths and variable names only.
import { isIP } from 'node:net';

export interface BannerInfo {
  version: string;
  /** SOTTO_PUBLIC_URL when set, else the listening address. */
  portal: string;
  httpUrl: string;
  sipPorts: { udp: number; tls: number };
  transcription: string;
  dataDir: string;
  database: string;
  masterKeyFile: string;
  practiceCount: number;
  /** Email links are made from the public URL: only worth a warning when notices are sent. */
  smtpSet: boolean;
  publicUrlSet: boolean;
  publicUrl: string;
  /** The SIP domains phones would be given: every practice's, or the default for the first one. */
  sipDomains: readonly string[];
}

/** The first admin's command, as the README's "Run" section shows it. */
export const FIRST_ADMIN_COMMAND = 'npx sotto admin create --email you@yourpractice.example --name "Your Name" --practice-name "Your Practice" --tier pro';

/** A host only this machine reaches: localhost, 127.0.0.0/8, ::1 (or the unspecified address). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.') || h === '0.0.0.0';
  if (isIP(h) === 6) return h === '::1' || h === '::';
  return false;
}

/**
 * A warning when what staff and phones are given names this machine only:
 * email notices link to the public URL, and a new practice's SIP domain is its
 * host unless SOTTO_SIP_DOMAIN is set.
 */
export function publicUrlWarning(info: Pick<BannerInfo, 'smtpSet' | 'publicUrlSet' | 'publicUrl' | 'sipDomains'>): string | undefined {
  const local = isLoopbackHost(new URL(info.publicUrl).hostname);
  const mail = info.smtpSet && local;
  const sip = info.sipDomains.some(isLoopbackHost);
  if (!mail && !sip) return undefined;
  const what = [mail ? `email notices link to ${info.publicUrl}/` : '', sip ? 'new phones are given a SIP domain of this machine only' : ''].filter(Boolean).join(' and ');
  const why = info.publicUrlSet ? 'SOTTO_PUBLIC_URL names this machine only' : 'SOTTO_PUBLIC_URL is not set';
  return `  Warning          ${why}: ${what}, which no other PC or phone can reach. Set SOTTO_PUBLIC_URL to the address staff open (e.g. https://pbx.yourpractice.example)${sip ? ', or SOTTO_SIP_DOMAIN' : ''}, and restart.`;
}

export function startBanner(info: BannerInfo): string[] {
  const { portal } = info;
  const lines = [
    '',
    `Sotto ${info.version} is running.`,
    `  Portal and API   ${portal}/   (API: ${portal}/api/v1, OpenAPI: ${portal}/api/v1/openapi.json)`,
    ...(portal !== info.httpUrl ? [`                   listening on ${info.httpUrl}/`] : []),
    `  SIP              UDP and TCP ${info.sipPorts.udp}, TLS ${info.sipPorts.tls}   (register phones with the credentials from \`npx sotto demo\` or \`npx sotto user add --device …\`)`,
    `  Transcription    ${info.transcription}`,
    `  Data dir         ${info.dataDir}`,
    `  Database         ${info.database}`,
    `  Master key       ${info.masterKeyFile}   (back it up apart from the data dir)`,
  ];
  const warning = publicUrlWarning(info);
  if (warning) lines.push(warning);
  if (info.practiceCount === 0) {
    lines.push('', 'No practice yet. Create the first admin:', `  ${FIRST_ADMIN_COMMAND}`, 'or seed a demo practice:  npx sotto demo');
  }
  return lines;
}
