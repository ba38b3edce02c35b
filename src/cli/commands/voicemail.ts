// `sotto voicemail pin set --extension 101`: sets a voicemail box's PIN.
// The PIN comes from stdin (so it stays out of shell history and the
// process list) or, for scripts that accept that, from --pin. Audited as a
// CLI action.
import { CLI_ACTOR } from '../../directory/index.ts';
import { findBoxByExtension, MailboxPinError, setPin } from '../../voicemail/mailbox/index.ts';
import { selectPractice, withRuntime } from '../context.ts';
import { CliError, printJson, printLines } from '../output.ts';

export async function voicemailPinSetCommand(o: { extension?: string; pin?: string; practice?: string; json?: boolean; stdin?: () => Promise<string> }): Promise<number> {
  if (!o.extension) throw new CliError('MISSING_ARGUMENT', 'usage: sotto voicemail pin set --extension 101 < pin.txt   (or --pin 123456)');
  const pin = (o.pin ?? (await (o.stdin ?? readStdin)())).trim();
  if (pin.length === 0) throw new CliError('MISSING_ARGUMENT', 'no PIN given: pipe it on stdin or pass --pin');
  const out = await withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    const box = await findBoxByExtension(rt.database.db, practice.id, o.extension!);
    if (!box) throw new CliError('VOICEMAIL_BOX_NOT_FOUND', `extension ${o.extension} has no voicemail box`);
    try {
      await setPin(rt.database.db, box.id, pin, CLI_ACTOR);
    } catch (e) {
      if (e instanceof MailboxPinError) throw new CliError(e.code, e.message);
      throw e;
    }
    return { boxId: box.id, extension: o.extension! };
  });
  if (o.json) printJson({ voicemailBox: { id: out.boxId, extension: out.extension }, pinChanged: true });
  else printLines([`Voicemail PIN changed for extension ${out.extension}.`]);
  return 0;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('New voicemail PIN (digits), then Enter: ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}
