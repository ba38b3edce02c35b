// Typed failures of offline text-to-speech, with stable codes. The greeting
// path maps them to "play the built-in beep-only prompt" rather than failing
// the call.

export type SpeechErrorCode =
  /** Neither festival's text2wave nor flite is installed. */
  | 'SPEECH_NO_ENGINE'
  /** An engine ran but produced no usable audio (crash, timeout, bad WAV). */
  | 'SPEECH_ENGINE_FAILED';

export class SpeechError extends Error {
  constructor(
    readonly code: SpeechErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SpeechError';
  }
}

export const SPEECH_INSTALL_HINT = 'install festival and festvox-us-slt-hts (or flite): apt-get install festival festvox-us-slt-hts flite';
