import type { Safeguard } from '../api/routes/compliance/presenter.ts';
import type { EngineStatus } from '../transcribe/index.ts';
import type { Runtime } from './runtime.ts';

/** Platform-wide safeguards for the posture page; each says what is in force on this box. */
export function platformSafeguards(rt: Runtime, transcription?: EngineStatus): Safeguard[] {
  return [
    {
      id: 'encryption_at_rest',
      title: 'Encryption at rest',
      state: 'on',
      detail: 'Stored PHI is sealed with AES-256-GCM under a per-practice key wrapped by the master key file.',
    },
    {
      id: 'database',
      title: 'Database',
      state: rt.config.database.kind,
      detail: rt.config.database.kind === 'sqlite' ? 'SQLite file in the data dir, owner-only permissions.' : 'PostgreSQL server from SOTTO_DATABASE_URL.',
    },
    {
      id: 'email',
      title: 'Outgoing email',
      state: rt.config.smtpUrl ? 'configured' : 'not configured',
      detail: rt.config.smtpUrl ? 'Notices go through SOTTO_SMTP_URL; attachments are only sent over TLS.' : 'No SMTP server: no email leaves the box.',
    },
    {
      id: 'transcription',
      title: 'Transcription engine',
      state: transcription?.available ? 'on this machine' : 'not installed',
      detail: transcription?.available
        ? `${transcription.engine} runs here; no audio is sent to a cloud speech service.`
        : `No engine: voicemail stays audio only.${transcription?.install ? ` Install with: ${transcription.install}` : ''}`,
    },
    {
      id: 'logs',
      title: 'Logs',
      state: 'PHI-free',
      detail: 'Logs carry ids and codes; phone numbers, names, SIP URIs, bodies and transcripts are blanked.',
    },
  ];
}
