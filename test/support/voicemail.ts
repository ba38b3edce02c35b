// Leaves a voicemail in a box without a phone call: the store's deposit
// steps (row, sealed writer, commit) exactly as the deposit path runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import type { Database } from '../../src/db/index.ts';
import { addDevice, addUser, CLI_ACTOR, createApiToken, createPractice, listExtensions } from '../../src/directory/index.ts';
import { encodeUlaw } from '../../src/media/codecs/g711.ts';
import { writeWav, pcm16ToBytes } from '../../src/media/wav.ts';
import type { VoicemailMessage, VoicemailStore } from '../../src/voicemail/index.ts';

/** A 440 Hz tone of `ms` milliseconds at 8 kHz. */
export function tone(ms: number, hz = 440, amplitude = 8000): Int16Array {
  return new Int16Array(8 * ms).map((_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)));
}

export function pcmWav(pcm: Int16Array): Buffer {
  return writeWav({ encoding: 'pcm16' }, pcm16ToBytes(pcm));
}

export async function boxOf(db: Kysely<Database>, practiceId: string, extension: string): Promise<{ id: string; practiceId: string; ownerUserId: string | null }> {
  const ext = (await listExtensions(db, practiceId)).find((e) => e.number === extension);
  if (!ext?.voicemailBoxId) throw new Error(`extension ${extension} has no box`);
  const row = await db.selectFrom('voicemail_boxes').select('owner_user_id').where('id', '=', ext.voicemailBoxId).executeTakeFirstOrThrow();
  return { id: ext.voicemailBoxId, practiceId, ownerUserId: row.owner_user_id };
}

export async function leaveMessage(store: VoicemailStore, box: { id: string; practiceId: string; ownerUserId: string | null }, pcm: Int16Array = tone(2000)): Promise<VoicemailMessage> {
  const { messageId, writer } = await store.startRecording(box);
  await writer.write(encodeUlaw(pcm));
  const sealed = await writer.commit();
  return store.commitRecording(messageId, Number(sealed.size), false);
}

/** A running Sotto (startServer: real database, registrar, B2BUA, relay, vault) with 101 and 102, each with a softphone. */
export interface VoicemailClinic {
  readonly rt: Runtime;
  readonly sotto: RunningSotto;
  readonly practiceId: string;
  /** SIP passwords by extension. */
  readonly passwords: Record<string, string>;
  /** 102's API token (staff: 102's own box). */
  readonly token: string;
  close(): Promise<void>;
}

export async function startVoicemailClinic(o: { domain: string; rtpPorts: string; pin?: string }): Promise<VoicemailClinic> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-clinic-'));
  const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: o.rtpPorts });
  const rt = await openRuntime(config, createLogger((process.env.VM_LOG as 'info') ?? 'silent', pino.destination(2)));
  const sotto = await startServer(rt);
  const practice = await createPractice(rt.database.db, { name: 'Voicemail Clinic', tier: 'essentials', sipDomain: o.domain });
  const passwords: Record<string, string> = {};
  let token = '';
  for (const ext of ['101', '102']) {
    const { user } = await addUser(rt.database.db, practice.id, { email: `u${ext}@clinic.example`, displayName: `U${ext}`, role: 'staff', extension: ext }, CLI_ACTOR, o.pin);
    passwords[ext] = (await addDevice(rt.database.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR)).sipPassword;
    if (ext === '102') token = (await createApiToken(rt.database.db, practice.id, user.id, 'staff', 'test', CLI_ACTOR)).token;
  }
  return {
    rt,
    sotto,
    practiceId: practice.id,
    passwords,
    token,
    async close() {
      await sotto.stop();
      await rt.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
