/**
 * The logger the SIP layers write to: pino-compatible (object first), so
 * the app can pass its logger straight in. SIP code logs ids, codes and
 * counts only; never a URI, a number, a header value or peer bytes.
 */

export interface SipLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: SipLogger = {
  debug: () => undefined,
  warn: () => undefined,
};
