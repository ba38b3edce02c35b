// The media relay verbs the deposit path uses (MediaRelay implements them):
// narrow, so the steps can be driven by a fake in unit tests.
import type { DtmfNotice, PlaybackHandle, PlaySource, RecordingHandle, RecordingSink } from '../../media/relay/index.ts';
import type { LocalAnswerRelay } from '../../pbx/calls/local-answer.ts';

/** answerOffer, ownOffer and takeAnswer answer the caller (local-answer.ts); the rest runs the deposit. */
export interface DepositRelay extends LocalAnswerRelay {
  play(callId: string, legId: string, source: PlaySource): Promise<PlaybackHandle>;
  record(callId: string, source: string, sink: RecordingSink): Promise<RecordingHandle>;
  onDtmf(callId: string, listener: (notice: DtmfNotice) => void, options?: { inband?: boolean }): () => void;
  onInactive(listener: (callId: string, idleMs: number) => void): () => void;
  delete(callId: string): Promise<void>;
}
