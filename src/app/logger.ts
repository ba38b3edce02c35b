import pino, { type Logger } from 'pino';
import { stdoutLogDestination } from './log-destination.ts';
import { scrubError, scrubPhi, scrubString } from './phi-scrub.ts';

export type { Logger };

export function createLogger(level: string, destination: pino.DestinationStream = stdoutLogDestination()): Logger {
  return pino(
    {
      level,
      base: { app: 'sotto' },
      serializers: { err: (e: Error) => scrubError(e) },
      formatters: { log: (obj) => scrubPhi(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          // The message string (first string argument) is scrubbed too.
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubString(a) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    destination,
  );
}
