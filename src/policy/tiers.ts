// Plan tiers and the features each one includes (DESIGN.md, "Plan tiers").
// A tier allows a feature; the practice policy may still turn it off.

export const TIERS = ['essentials', 'pro', 'pro-plus'] as const;
export type Tier = (typeof TIERS)[number];

export const FEATURES = [
  'voicemail',
  'voicemail_email_notice',
  'voicemail_email_audio',
  'voicemail_email_transcript',
  'voicemail_transcription',
  'virtual_fax',
  'texting',
  'call_recording',
  'video_meetings',
  'meeting_recording',
  'call_queues',
] as const;
export type Feature = (typeof FEATURES)[number];

const PRO: ReadonlySet<Feature> = new Set(['voicemail_transcription', 'voicemail_email_transcript', 'call_recording', 'video_meetings']);
const PRO_PLUS: ReadonlySet<Feature> = new Set(['meeting_recording', 'call_queues']);

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

export function tierIncludes(tier: Tier, feature: Feature): boolean {
  if (PRO_PLUS.has(feature)) return tier === 'pro-plus';
  if (PRO.has(feature)) return tier === 'pro' || tier === 'pro-plus';
  return true;
}

export function tierLabel(tier: Tier): string {
  return tier === 'essentials' ? 'Essentials' : tier === 'pro' ? 'Pro' : 'Pro Plus';
}

/** The lowest tier that includes a feature, for "upgrade to …" explanations. */
export function lowestTierFor(feature: Feature): Tier {
  return TIERS.find((t) => tierIncludes(t, feature)) ?? 'pro-plus';
}
