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

/** What the page says when the server has no address a phone on the network could reach. */
export const NO_NETWORK_ADDRESS =
  'none: this server has no network address a phone could reach (it listens only on this machine, or no network interface is up). Set SOTTO_SIP_ADVERTISE or SOTTO_BIND to the address phones should use, restart Sotto, and add the device again.';

/**
 * The settings for a phone. The server address comes from the API (the
 * address Sotto advertises toward phones), never from the page's hostname:
 * a portal opened as "localhost" on the server itself would otherwise send
 * a desk phone to itself.
 */
export function registrationSettings(sip: CreatedDevice['sip']): RegistrationSetting[] {
  return [
    sip.server !== undefined ? { name: 'SIP server / registrar', value: sip.server } : { name: 'SIP server / registrar', value: NO_NETWORK_ADDRESS, prose: true },
    { name: 'Domain / realm', value: sip.domain },
    { name: 'User name / auth user', value: sip.username },
    { name: 'Password', value: sip.password, secret: true },
    { name: 'Transport', value: transportsOf(sip).join('; '), prose: true },
  ];
}

/** Text for the clipboard: every setting, one a line, for pasting into a provisioning note. */
export function registrationText(settings: RegistrationSetting[]): string {
  return settings.map((s) => `${s.name}: ${s.value}`).join('\n');
}
