// `sotto voicemail …`: the operator's view of voicemail on this box.
//
//   pin set --extension 101     a box's PIN, from stdin (out of shell history
//                               and the process list) or --pin
//   list [--extension 101]      messages: ids, times, flags, transcripts
//   get ID                      one message with its machine transcript
//   audio ID --out FILE.wav     the recording, decoded to 8 kHz PCM16 WAV
//   heard ID / delete ID        mark heard; delete (crypto-shredded)
//
// The operator holds the master key, so the CLI reads every box of the
// practice; each read of PHI and each change is audited as a CLI action,
// exactly like the API's (voicemail.list, voicemail.read, voicemail.play …).
import { createWriteStream, openSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AUDIT_ACTIONS } from '../../audit/actions.ts';
import { CLI_ACTOR, EXTENSION_RULE, isExtensionNumber } from '../../directory/index.ts';
import { findBoxByExtension, listBoxes, VoicemailError, VoicemailStore, type VoicemailMessage } from '../../voicemail/index.ts';
import { MailboxPinError, setPin } from '../../voicemail/mailbox/index.ts';
import type { Runtime } from '../../app/runtime.ts';
import { selectPractice, withRuntime } from '../context.ts';
import { CliError, usageError, printJson, printLines } from '../output.ts';
import { readSecretLine } from '../stdin.ts';

interface VoicemailView {
  id: string;
  extension: string;
  receivedAt: string;
  durationMs: number;
  heard: boolean;
  partial: boolean;
  transcript: { text: string; engine: string } | null;
}

interface Common {
  practice?: string;
  json?: boolean;
}

/** Runs `fn` with the practice's store, and turns a missing message into a CLI error with its code. */
async function withStore<T>(o: Common, fn: (ctx: { rt: Runtime; practiceId: string; store: VoicemailStore; extensionOf: (boxId: string) => string }) => Promise<T>): Promise<T> {
  return withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    const boxes = await listBoxes(rt.database.db, practice.id);
    const extensions = new Map(boxes.map((b) => [b.id, b.extension]));
    try {
      return await fn({ rt, practiceId: practice.id, store: new VoicemailStore(rt.database.db, rt.vault), extensionOf: (boxId) => extensions.get(boxId) ?? '' });
    } catch (e) {
      if (e instanceof VoicemailError) throw new CliError(e.code, e.message);
      throw e;
    }
  });
}

async function view(store: VoicemailStore, m: VoicemailMessage, extension: string): Promise<VoicemailView> {
  return { id: m.id, extension, receivedAt: m.receivedAt, durationMs: m.durationMs, heard: m.heard, partial: m.partial, transcript: await store.transcript(m) };
}

function line(v: VoicemailView): string {
  const flags = [v.heard ? 'heard' : 'new', ...(v.partial ? ['partial'] : [])].join(', ');
  return `${v.id}  ext ${v.extension}  ${v.receivedAt}  ${(v.durationMs / 1000).toFixed(1)} s  ${flags}${v.transcript ? '  transcript (machine draft)' : ''}`;
}

/** An --extension of the wrong form is a usage error (exit 2), as for `user add`, not "no such box". */
function checkExtensionArg(extension: string | undefined): void {
  if (extension !== undefined && !isExtensionNumber(extension)) throw new CliError('INVALID_INPUT', EXTENSION_RULE, 2);
}

export async function voicemailListCommand(o: Common & { extension?: string }): Promise<number> {
  checkExtensionArg(o.extension);
  const items = await withStore(o, async ({ rt, practiceId, store, extensionOf }) => {
    const boxes = await listBoxes(rt.database.db, practiceId);
    const chosen = o.extension === undefined ? boxes : boxes.filter((b) => b.extension === o.extension);
    if (o.extension !== undefined && chosen.length === 0) throw new CliError('VOICEMAIL_BOX_NOT_FOUND', `extension ${o.extension} has no voicemail box`);
    const messages = await store.listBoxes(chosen.map((b) => b.id));
    await store.auditList(practiceId, CLI_ACTOR, messages.map((m) => m.id), []);
    return Promise.all(messages.map((m) => view(store, m, extensionOf(m.boxId))));
  });
  if (o.json) printJson({ items });
  else printLines(items.length === 0 ? ['No voicemail.'] : items.map(line));
  return 0;
}

export async function voicemailGetCommand(id: string | undefined, o: Common): Promise<number> {
  if (!id) throw usageError('MISSING_ARGUMENT', 'usage: sotto voicemail get ID');
  const item = await withStore(o, async ({ practiceId, store, extensionOf }) => {
    const m = await store.get(practiceId, id);
    await store.audit(m, CLI_ACTOR, AUDIT_ACTIONS.voicemailRead);
    return view(store, m, extensionOf(m.boxId));
  });
  if (o.json) printJson(item);
  else printLines([line(item), ...(item.transcript ? ['', `Transcript (machine draft, ${item.transcript.engine}):`, item.transcript.text] : [])]);
  return 0;
}

export async function voicemailAudioCommand(id: string | undefined, o: Common & { out?: string }): Promise<number> {
  if (!id || !o.out) throw usageError('MISSING_ARGUMENT', 'usage: sotto voicemail audio ID --out FILE.wav');
  const out = o.out;
  const bytes = await withStore(o, async ({ practiceId, store }) => {
    // The file is the operator's to keep safe: created owner-only, as every PHI copy should be, and
    // never over another file; created before the audio is opened, so a refusal plays (and audits) nothing.
    let fd: number;
    try {
      fd = openSync(out, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError('FILE_EXISTS', `${out} exists already; choose another --out`);
      throw e;
    }
    try {
      const { length, stream } = await store.openAudioWav(practiceId, id, CLI_ACTOR, { via: 'cli' });
      await pipeline(stream, createWriteStream('', { fd }));
      return length;
    } catch (e) {
      rmSync(out, { force: true });
      throw e;
    }
  });
  if (o.json) printJson({ id, file: out, bytes });
  else printLines([`Wrote ${bytes} bytes (8 kHz PCM16 WAV) to ${out}. It holds PHI: keep it safe and delete it when done.`]);
  return 0;
}

export async function voicemailHeardCommand(id: string | undefined, o: Common): Promise<number> {
  if (!id) throw usageError('MISSING_ARGUMENT', 'usage: sotto voicemail heard ID');
  const alreadyHeard = await withStore(o, async ({ practiceId, store }) => {
    const message = await store.get(practiceId, id);
    // Already heard: markHeard changes and records nothing; say so.
    await store.markHeard(id, CLI_ACTOR);
    return message.heard;
  });
  if (o.json) printJson({ id, heard: true, alreadyHeard });
  else printLines([alreadyHeard ? `Voicemail ${id} was already marked heard; nothing changed.` : `Voicemail ${id} marked heard.`]);
  return 0;
}

export async function voicemailDeleteCommand(id: string | undefined, o: Common): Promise<number> {
  if (!id) throw usageError('MISSING_ARGUMENT', 'usage: sotto voicemail delete ID');
  await withStore(o, async ({ practiceId, store }) => {
    await store.get(practiceId, id);
    await store.delete(id, CLI_ACTOR);
  });
  if (o.json) printJson({ id, deleted: true });
  else printLines([`Voicemail ${id} deleted; its audio and transcript keys are destroyed.`]);
  return 0;
}

export async function voicemailPinSetCommand(o: { extension?: string; pin?: string; practice?: string; json?: boolean; stdin?: () => Promise<string> }): Promise<number> {
  if (!o.extension) throw usageError('MISSING_ARGUMENT', 'usage: sotto voicemail pin set --extension 101 < pin.txt   (or --pin 123456)');
  checkExtensionArg(o.extension);
  const pin = (o.pin ?? (await (o.stdin ?? (() => readSecretLine('New voicemail PIN (digits), then Enter: ')))())).trim();
  if (pin.length === 0) throw usageError('MISSING_ARGUMENT', 'no PIN given: pipe it on stdin or pass --pin');
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
