/** CLI failures with a stable code; printed as one line (or JSON with --json) and exit 1 (2 for a usage error). */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * The command line was wrong (a required option missing, an option's value
 * not one it takes): exit 2, as for an unknown option or command, so a
 * script tells "you called it wrong" from "it was refused" (exit 1).
 */
export function usageError(code: 'MISSING_ARGUMENT' | 'INVALID_ARGUMENT' | 'INVALID_ROLE' | 'INVALID_TIER' | 'INVALID_DEVICE', message: string): CliError {
  return new CliError(code, message, 2);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLines(lines: string[]): void {
  process.stdout.write(lines.join('\n') + '\n');
}

export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}
