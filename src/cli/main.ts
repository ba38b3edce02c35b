// `sotto` command line. Every command that prints data takes --json.
import { parseArgs } from 'node:util';
import { ConfigError } from '../app/config.ts';
import { KeyRotationError } from '../app/key-rotation.ts';
import { MasterKeyError } from '../app/master-key.ts';
import { ListenError, PortInUseError } from '../app/server.ts';
import { DatabaseError } from '../db/index.ts';
import { DirectoryError } from '../directory/index.ts';
import { TranscribeError } from '../transcribe/index.ts';
import { isVaultError } from '../vault/index.ts';
import { adminCreateCommand } from './commands/admin.ts';
import { auditExportCommand, auditVerifyCommand } from './commands/audit.ts';
import { demoCommand } from './commands/demo.ts';
import { keysRotateCommand, keysStatusCommand } from './commands/keys.ts';
import { startCommand } from './commands/start.ts';
import { transcribeCommand } from './commands/transcribe.ts';
import { tokenCreateCommand } from './commands/token.ts';
import { userAddCommand, userDisableCommand, userListCommand } from './commands/user.ts';
import { voicemailAudioCommand, voicemailDeleteCommand, voicemailGetCommand, voicemailHeardCommand, voicemailListCommand, voicemailPinSetCommand } from './commands/voicemail.ts';
import { CliError } from './output.ts';
import { AuditError } from '../audit/index.ts';
import { DemoError } from '../app/demo.ts';
import { AlreadyRunningError } from '../app/run-lock.ts';

const USAGE = `usage: sotto <command> [options]

  start                                  run Sotto (what \`npm start\` runs)
  demo [--tier essentials|pro|pro-plus]  seed a demo practice (idempotent) and print its credentials
  admin create --email E --name N [--password P] [--practice-name N] [--tier T] [--sip-domain D]
  user add --email E --name N [--role owner|admin|provider|staff] [--extension 104] [--device desk_phone|softphone|ata]
  user list
  user disable <user id or email>
  token create --role admin|staff [--user EMAIL|ID] [--label L]
  voicemail pin set --extension 101      set a voicemail PIN (6 to 16 digits) read from stdin, or --pin P
  voicemail list [--extension 101]       voicemail messages (ids, times, flags, machine transcripts)
  voicemail get ID                       one message with its transcript
  voicemail audio ID --out FILE.wav      the recording as 8 kHz WAV (a PHI copy: the file is owner-only)
  voicemail heard ID | delete ID         mark heard; delete (audio and transcript crypto-shredded)
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
} as const;

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
    if (pos[0] === 'start') return await startCommand();
    if (pos[0] === 'demo') return await demoCommand({ tier: v.tier, json });
    if (cmd === 'admin create') {
      return await adminCreateCommand({ email: v.email, name: v.name, password: v.password, practiceName: v['practice-name'], tier: v.tier, sipDomain: v['sip-domain'], practice: v.practice, json });
    }
    if (cmd === 'user add') return await userAddCommand({ email: v.email, name: v.name, role: v.role, extension: v.extension, device: v.device, practice: v.practice, json });
    if (cmd === 'user list') return await userListCommand({ practice: v.practice, json });
    if (cmd === 'user disable') return await userDisableCommand(pos[2], { practice: v.practice, json });
    if (pos[0] === 'transcribe') return await transcribeCommand(pos[1], { json });
    if (cmd === 'keys status') return await keysStatusCommand({ json });
    if (cmd === 'keys rotate') return await keysRotateCommand({ json });
    if (cmd === 'audit verify') return await auditVerifyCommand({ file: v.file, json });
    if (cmd === 'audit export') return await auditExportCommand({ from: v.from, to: v.to, practice: v.practice });
    if (cmd === 'voicemail pin' && pos[2] === 'set') return await voicemailPinSetCommand({ extension: v.extension, pin: v.pin, practice: v.practice, json });
    if (cmd === 'voicemail list') return await voicemailListCommand({ extension: v.extension, practice: v.practice, json });
    if (cmd === 'voicemail get') return await voicemailGetCommand(pos[2], { practice: v.practice, json });
    if (cmd === 'voicemail audio') return await voicemailAudioCommand(pos[2], { out: v.out, practice: v.practice, json });
    if (cmd === 'voicemail heard') return await voicemailHeardCommand(pos[2], { practice: v.practice, json });
    if (cmd === 'voicemail delete') return await voicemailDeleteCommand(pos[2], { practice: v.practice, json });
    if (cmd === 'token create') return await tokenCreateCommand({ role: v.role, user: v.user, label: v.label, practice: v.practice, json });
    // The command words only: what follows them may be an email or a name.
    return reportUsage({ code: 'UNKNOWN_COMMAND', message: `unknown command "${pos.slice(0, 2).join(' ')}"` }, json);
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
