// A one-time secret on its way from the form that received it to the page
// that shows it (Add user -> the new user's page): held in this tab's memory
// only, never in the URL, history state or storage, and gone once shown.
let pending: { userId: string; voicemailPin: string } | null = null;

export function handOverVoicemailPin(userId: string, voicemailPin: string): void {
  pending = { userId, voicemailPin };
}

/** The PIN waiting for this user's page, if any; it stays until forgetVoicemailPin(). */
export function voicemailPinFor(userId: string): string | null {
  return pending?.userId === userId ? pending.voicemailPin : null;
}

export function forgetVoicemailPin(): void {
  pending = null;
}
