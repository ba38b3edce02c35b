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
          const list = args as unknown[];
          const first = list[0];
          if (first instanceof Error) {
            // pino would write an Error's own message as `msg`, past every
            // scrub: hand it over as `err` (serialized by scrubError) and
            // give the line the scrubbed message instead.
            list[0] = { err: first };
            if (list.length === 1) list.push(first.message);
          }
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
