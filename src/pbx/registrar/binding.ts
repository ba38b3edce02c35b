/** The location service's key for an extension (RFC 3261 10.3 address-of-record): never a URI, so never PHI in a log. */
export function addressOfRecord(practiceId: string, extension: string): string {
  return `${practiceId}:${extension}`;
}

/** One registered contact of an address-of-record (RFC 3261 10.3). */
export interface Binding {
  /** The address-of-record key: `<practiceId>:<extension>`; never a URI in logs. */
  aor: string;
  /** The Contact URI, normalised (formatUri of the parsed URI). */
  contact: string;
  callId: string;
  cseq: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  q: number | null;
  /** RFC 5626 +sip.instance and reg-id, when the phone sends them. */
  instanceId: string | null;
  regId: number | null;
  /** Where the REGISTER came from: requests to this contact go back there (NAT). */
  source: { transport: string; address: string; port: number };
  deviceId: string;
  userAgent: string | null;
}

export interface RegistrarLimits {
  /** RFC 3261 10.3 step 7: below this a non-zero expiry is refused with 423. */
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  maxContactsPerAor: number;
}

export const DEFAULT_REGISTRAR_LIMITS: RegistrarLimits = { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContactsPerAor: 10 };
