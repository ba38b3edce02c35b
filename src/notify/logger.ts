// The slice of a pino logger notify/ uses, so app/ can hand in its own
// (PHI-scrubbing) logger without notify/ importing app/. Callers here pass
// ids and codes only: outbox ids, voicemail ids, error codes, SMTP status
// numbers. Never an address, a subject, a body or a server reply.

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface NotifyLogger {
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

export const silentLogger: NotifyLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
