// Expected transcription failures, with stable codes the API and CLI map to
// messages. Bugs throw Error; these are returned or thrown as TranscribeError.

export type TranscribeErrorCode =
  | 'AUDIO_UNREADABLE'        // not a WAV we understand, truncated, or empty
  | 'AUDIO_UNSUPPORTED'       // a WAV, but an encoding/rate/width we do not decode
  | 'ENGINE_UNAVAILABLE'      // engine binary or model files are not installed
  | 'ENGINE_FAILED'           // the engine ran and exited with an error
  | 'TIMEOUT'                 // the job ran longer than its limit and was killed
  | 'QUEUE_FULL'              // too many jobs waiting; try later
  | 'ABORTED';                // the caller cancelled, or the pool closed

export class TranscribeError extends Error {
  override readonly name = 'TranscribeError';
  constructor(readonly code: TranscribeErrorCode, message: string) {
    super(message);
  }
}
