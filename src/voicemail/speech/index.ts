// Offline speech for Sotto's own prompts.
export { renderSpeech, speechEngines } from './render-speech.ts';
export { SpeechError, SPEECH_INSTALL_HINT, type SpeechErrorCode } from './speech-error.ts';
export { defaultGreetingText, type GreetingKind } from './greetings-text.ts';
export { readEngineWav, resampleTo8k, type EngineAudio } from './wav-samples.ts';
