// Expected failures of the voicemail store, with stable codes; api/ maps
// them to HTTP statuses in one table.

export type VoicemailErrorCode =
  /** No such message or box in this practice (or not visible to the caller). */
  | 'VOICEMAIL_NOT_FOUND'
  /** The message is still being recorded. */
  | 'VOICEMAIL_RECORDING'
  /** A greeting upload that is not 8 kHz mono audio, or too long or short. */
  | 'VOICEMAIL_BAD_AUDIO'
  /** The message's audio is under a legal hold and cannot be deleted. */
  | 'VOICEMAIL_LEGAL_HOLD';

export class VoicemailError extends Error {
  constructor(
    readonly code: VoicemailErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VoicemailError';
  }
}
