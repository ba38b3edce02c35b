// What to type into a phone's account settings, from the one answer that
// carries a new device's password. Pure (no DOM), so it is unit-tested.
import type { CreatedDevice, DeviceKind } from './api.ts';

export const DEVICE_KIND_LABELS: Record<DeviceKind, string> = { desk_phone: 'Desk phone', softphone: 'Softphone', ata: 'Analog adapter (ATA)' };

export interface RegistrationSetting {
  /** The phone's own word for the field, as most configuration pages name it. */
  name: string;
  value: string;
  /** Secret: shown once, offered for copying, never written anywhere else. */
  secret?: boolean;
  /** Words rather than a value to type character for character. */
  prose?: boolean;
}

/** The transports a phone may register over, best first: TLS keeps the signalling private on the network. */
export function transportsOf(sip: CreatedDevice['sip']): string[] {
  const p = sip.ports;
  if (!p) return ['UDP or TCP, port 5060', 'TLS, port 5061 (preferred where the phone supports it)'];
  const out: string[] = [];
  if (p.tls > 0) out.push(`TLS, port ${p.tls} (preferred where the phone supports it)`);
  if (p.udp > 0) out.push(`UDP, port ${p.udp}`);
  if (p.tcp > 0) out.push(`TCP, port ${p.tcp}`);
  return out;
}

/**
 * The settings for a phone. `serverHost` is the host the portal was opened
 * on: the address the phone reaches Sotto at when the SIP domain is not in
 * the practice's DNS.
 */
export function registrationSettings(sip: CreatedDevice['sip'], serverHost: string): RegistrationSetting[] {
  return [
    isLoopbackHost(serverHost)
      ? // The portal was opened on the server itself: "localhost" would send a desk phone to itself.
        { name: 'SIP server / registrar', value: `this server's address on your network (${serverHost} reaches it only from the server itself)`, prose: true }
      : { name: 'SIP server / registrar', value: serverHost },
    { name: 'Domain / realm', value: sip.domain },
    { name: 'User name / auth user', value: sip.username },
    { name: 'Password', value: sip.password, secret: true },
    { name: 'Transport', value: transportsOf(sip).join('; '), prose: true },
  ];
}

/** A name or address that means "this machine" (the page's hostname: IPv6 comes in brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/** Text for the clipboard: every setting, one a line, for pasting into a provisioning note. */
export function registrationText(settings: RegistrationSetting[]): string {
  return settings.map((s) => `${s.name}: ${s.value}`).join('\n');
}
