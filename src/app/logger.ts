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
          // The message string (first string argument) is scrubbed too. In
          // place: `args` is the array pino made for this one call.
          for (let i = 0; i < args.length; i++) {
            const a: unknown = args[i];
            if (typeof a === 'string') args[i] = scrubString(a);
          }
          method.apply(this, args);
        },
      },
    },
    destination,
  );
}
