// `sotto` command line. Every command that prints data takes --json.
import { parseArgs } from 'node:util';
import { ConfigError } from '../app/config.ts';
import { DemoError, KeyRotationError, ListenError, PortInUseError } from '../app/errors.ts';
import { MasterKeyError } from '../app/master-key.ts';
import { AlreadyRunningError } from '../app/run-lock.ts';
import { AuditError } from '../audit/errors.ts';
import { DatabaseError } from '../db/errors.ts';
import { DirectoryError } from '../directory/errors.ts';
import { TranscribeError } from '../transcribe/errors.ts';
import { isVaultError } from '../vault/errors.ts';
import { CliError } from './output.ts';

const USAGE = `usage: sotto <command> [options]

  start                                  run Sotto (what \`npm start\` runs)
  demo [--tier essentials|pro|pro-plus]  seed a demo practice (idempotent) and print its credentials
  admin create --email E --name N [--password P] [--practice-name N] [--tier T] [--sip-domain D]
  user add --email E --name N [--role owner|admin|provider|staff] [--extension 104] [--device desk_phone|softphone|ata]
  user list
  user disable <user id or email>
  user enable <user id or email>         let a disabled user sign in again (tokens and devices stay ended)
  user password <user id or email>       a new portal password, read from stdin (or --password P); ends their sessions and tokens
  user mfa-reset <user id or email>      clear a lost phone's two-step sign-in: they sign in with their password and enrol again
  token create --role admin|staff [--user EMAIL|ID] [--label L]
  voicemail pin set --extension 101      set a voicemail PIN (6 to 16 digits) read from stdin, or --pin P
  voicemail list [--extension 101]       voicemail messages (ids, times, flags, machine transcripts)
  voicemail get ID                       one message with its transcript
  voicemail audio ID --out FILE.wav      the recording as 8 kHz WAV (a PHI copy: the file is owner-only)
  voicemail heard ID | delete ID         mark heard; delete (audio and transcript crypto-shredded)
  retention status | holds               retention per kind from the practice policy, stored and held counts; legal holds
  retention receipts [--from T]          deletion receipts (what was destroyed, when, why), newest first
  retention hold (--user U | --voicemail ID) --reference CASE-ID    place a legal hold: no purge, no delete
  retention release (--user U | --voicemail ID)                     release it
  retention purge-now                    run the retention purge now (it runs hourly)
  transcribe FILE.wav                    on-box speech to text of a recording (--json: text, engine, words)
  keys status                            master key id and age, practice data keys
  keys rotate                            new master key; re-wraps data keys (run with Sotto stopped)
  audit verify [--file EXPORT.jsonl]     check the keyed audit hash chains (exit 0 intact and authenticated, 1 naming the first broken seq, 3 an export intact but not authenticated here)
  audit export [--from T] [--to T] > FILE   the practice's audit log as JSON Lines, verifiable offline

Options: --json (machine-readable output), --practice ID (when several practices exist).
Configuration comes from SOTTO_* environment variables; see README.md.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  tier: { type: 'string' },
  email: { type: 'string' },
  name: { type: 'string' },
  password: { type: 'string' },
  'practice-name': { type: 'string' },
  'sip-domain': { type: 'string' },
  practice: { type: 'string' },
  role: { type: 'string' },
  extension: { type: 'string' },
  device: { type: 'string' },
  user: { type: 'string' },
  label: { type: 'string' },
  file: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  pin: { type: 'string' },
  out: { type: 'string' },
  voicemail: { type: 'string' },
  reference: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];
type Command = (v: Values, pos: string[], json: boolean) => Promise<number>;

/**
 * Each command by its words. A command's module is loaded when it runs:
 * `sotto user list` does not load the API server, nor `--help` anything.
 */
const COMMANDS: ReadonlyMap<string, Command> = new Map(
  Object.entries({
    start: async () => (await import('./commands/start.ts')).startCommand(),
    demo: async (v, _pos, json) => (await import('./commands/demo.ts')).demoCommand({ tier: v.tier, json }),
    'admin create': async (v, _pos, json) =>
      (await import('./commands/admin.ts')).adminCreateCommand({ email: v.email, name: v.name, password: v.password, practiceName: v['practice-name'], tier: v.tier, sipDomain: v['sip-domain'], practice: v.practice, json }),
    'user add': async (v, _pos, json) => (await import('./commands/user.ts')).userAddCommand({ email: v.email, name: v.name, role: v.role, extension: v.extension, device: v.device, practice: v.practice, json }),
    'user list': async (v, _pos, json) => (await import('./commands/user.ts')).userListCommand({ practice: v.practice, json }),
    'user disable': async (v, pos, json) => (await import('./commands/user.ts')).userDisableCommand(pos[2], { practice: v.practice, json }),
    'user enable': async (v, pos, json) => (await import('./commands/user.ts')).userEnableCommand(pos[2], { practice: v.practice, json }),
    'user password': async (v, pos, json) => (await import('./commands/user-credentials.ts')).userPasswordCommand(pos[2], { password: v.password, practice: v.practice, json }),
    'user mfa-reset': async (v, pos, json) => (await import('./commands/user-credentials.ts')).userMfaResetCommand(pos[2], { practice: v.practice, json }),
    transcribe: async (_v, pos, json) => (await import('./commands/transcribe.ts')).transcribeCommand(pos[1], { json }),
    'keys status': async (_v, _pos, json) => (await import('./commands/keys.ts')).keysStatusCommand({ json }),
    'keys rotate': async (_v, _pos, json) => (await import('./commands/keys.ts')).keysRotateCommand({ json }),
    'audit verify': async (v, _pos, json) => (await import('./commands/audit.ts')).auditVerifyCommand({ file: v.file, json }),
    'audit export': async (v) => (await import('./commands/audit.ts')).auditExportCommand({ from: v.from, to: v.to, practice: v.practice }),
    'voicemail pin set': async (v, _pos, json) => (await import('./commands/voicemail.ts')).voicemailPinSetCommand({ extension: v.extension, pin: v.pin, practice: v.practice, json }),
    'voicemail list': async (v, _pos, json) => (await import('./commands/voicemail.ts')).voicemailListCommand({ extension: v.extension, practice: v.practice, json }),
    'voicemail get': async (v, pos, json) => (await import('./commands/voicemail.ts')).voicemailGetCommand(pos[2], { practice: v.practice, json }),
    'voicemail audio': async (v, pos, json) => (await import('./commands/voicemail.ts')).voicemailAudioCommand(pos[2], { out: v.out, practice: v.practice, json }),
    'voicemail heard': async (v, pos, json) => (await import('./commands/voicemail.ts')).voicemailHeardCommand(pos[2], { practice: v.practice, json }),
    'voicemail delete': async (v, pos, json) => (await import('./commands/voicemail.ts')).voicemailDeleteCommand(pos[2], { practice: v.practice, json }),
    'retention status': async (v, _pos, json) => (await import('./commands/retention.ts')).retentionStatusCommand({ practice: v.practice, json }),
    'retention receipts': async (v, _pos, json) => (await import('./commands/retention.ts')).retentionReceiptsCommand({ from: v.from, practice: v.practice, json }),
    'retention holds': async (v, _pos, json) => (await import('./commands/retention.ts')).retentionHoldsCommand({ practice: v.practice, json }),
    'retention hold': async (v, _pos, json) => (await import('./commands/retention.ts')).retentionHoldCommand({ user: v.user, voicemail: v.voicemail, reference: v.reference, practice: v.practice, json }),
    'retention release': async (v, _pos, json) => (await import('./commands/retention.ts')).retentionReleaseCommand({ user: v.user, voicemail: v.voicemail, practice: v.practice, json }),
    'retention purge-now': async (v, _pos, json) => (await import('./commands/retention.ts')).retentionPurgeNowCommand({ practice: v.practice, json }),
    'token create': async (v, _pos, json) => (await import('./commands/token.ts')).tokenCreateCommand({ role: v.role, user: v.user, label: v.label, practice: v.practice, json }),
  } satisfies Record<string, Command>),
);

export async function main(argv: string[]): Promise<number> {
  // `sotto audit export | head`: the reader went away; stop quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return reportUsage(parseArgsFailure(e as Error & { code?: string }, argv), argv.includes('--json'));
  }
  const { values: v, positionals: pos } = parsed;
  const json = v.json === true;
  const cmd = pos.slice(0, 2).join(' ');
  try {
    if (v.help || pos.length === 0) {
      process.stdout.write(USAGE + '\n');
      return pos.length === 0 && !v.help ? 2 : 0;
    }
    const run = COMMANDS.get(pos[0]!) ?? COMMANDS.get(cmd) ?? COMMANDS.get(pos.slice(0, 3).join(' '));
    if (run) return await run(v, pos, json);
    // The command words only: what follows them may be an email or a name.
    return reportUsage({ code: 'UNKNOWN_COMMAND', message: `unknown command "${cmd}"` }, json);
  } catch (e) {
    return reportFailure(e, json);
  }
}

interface UsageProblem {
  code: 'UNKNOWN_OPTION' | 'UNKNOWN_COMMAND' | 'MISSING_ARGUMENT' | 'INVALID_ARGUMENT';
  message: string;
}

/**
 * parseArgs' own errors, as a stable code and a short message of ours: its
 * text ("To specify a positional argument starting with a '-' …") names no
 * code a script could test, and can quote a value that was typed.
 */
function parseArgsFailure(e: Error & { code?: string }, argv: string[]): UsageProblem {
  const flag = /'(-{1,2}[A-Za-z][\w-]*)/.exec(e.message)?.[1] ?? argv.find((a) => a.startsWith('-') && !(a.slice(2).split('=')[0]! in OPTIONS)) ?? 'an option';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return { code: 'UNKNOWN_OPTION', message: `unknown option ${flag}` };
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && e.message.includes('argument missing')) return { code: 'MISSING_ARGUMENT', message: `${flag} needs a value` };
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return { code: 'INVALID_ARGUMENT', message: `${flag} takes no value` };
  return { code: 'INVALID_ARGUMENT', message: 'the command line could not be read' };
}

/** A command line that is not one Sotto takes: its code and the usage, exit 2. */
function reportUsage(p: UsageProblem, json: boolean): number {
  if (json) process.stdout.write(JSON.stringify({ error: { code: p.code, message: p.message } }) + '\n');
  process.stderr.write(`sotto: ${p.message} (${p.code})\n\n${USAGE}\n`);
  return 2;
}

/**
 * Codes that mean an option's value is not one the command takes (README
 * "Command line"): exit 2 like any other usage error, kept under the specific
 * code the layer below gave, which the API uses too.
 */
const BAD_VALUE_CODES: ReadonlySet<string> = new Set(['INVALID_INPUT', 'PIN_INVALID', 'WEAK_PASSWORD']);

function reportFailure(e: unknown, json: boolean): number {
  const known = e instanceof CliError || e instanceof DemoError || e instanceof AlreadyRunningError || e instanceof ConfigError || e instanceof DirectoryError || e instanceof PortInUseError || e instanceof ListenError || e instanceof MasterKeyError || e instanceof DatabaseError || isVaultError(e) || e instanceof TranscribeError || e instanceof KeyRotationError || e instanceof AuditError;
  if (!known) throw e;
  const err = e as Error & { code: string };
  if (json) process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message } }) + '\n');
  else process.stderr.write(`sotto: ${err.message} (${err.code})\n`);
  if (BAD_VALUE_CODES.has(err.code)) return 2;
  return e instanceof CliError ? e.exitCode : 1;
}
