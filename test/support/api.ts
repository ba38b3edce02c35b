// An in-process API over a real database, with a demo-like practice:
// an owner (admin token), a staff user with extension 101 (staff token).
// Time is a ManualClock so session and lockout tests move it by hand.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createLogger } from '../../src/app/logger.ts';
import { buildApi, type ApiOptions } from '../../src/api/server.ts';
import { createPasswordHasher, ManualClock, OWASP_MINIMUM, type PasswordHasher } from '../../src/auth/index.ts';
import { KyselySessionStore, type DatabaseHandle } from '../../src/db/index.ts';
import { addUser, CLI_ACTOR, createApiToken, createPractice, type Practice, type User } from '../../src/directory/index.ts';
import type { Tier } from '../../src/policy/index.ts';
import { openTestDatabase, type TestDialect } from './db.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyProvider, MemoryBlobStore, Vault } from '../../src/vault/index.ts';
import { KyselyVaultRepositories } from '../../src/vault/kysely-repositories.ts';
import { VaultGreetingStore, VoicemailStore } from '../../src/voicemail/index.ts';
import { RetentionCommands } from '../../src/app/retention-commands.ts';
import { practiceRetention } from '../../src/app/retention-purge.ts';

export const PORTAL_ORIGIN = 'https://pbx.cedar.example';

export interface TestApi {
  app: FastifyInstance;
  handle: DatabaseHandle;
  practice: Practice;
  owner: User;
  staff: User;
  ownerToken: string;
  staffToken: string;
  clock: ManualClock;
  hasher: PasswordHasher;
  masterKey: Buffer;
  /** Calls of the onUserDisabled hook (user id, device ids). */
  disabledUsers: Array<[string, string[]]>;
  /** The voicemail store and vault behind the voicemail routes (memory blobs, real key file). */
  voicemail: { store: VoicemailStore; greetings: VaultGreetingStore; vault: Vault };
  /** Retention and legal holds behind /retention and /legal-holds. */
  retention: RetentionCommands;
  /** The memory blob store under that vault (a test may lose a blob, as a failed disk would). */
  blobs: MemoryBlobStore;
  /** Every log line the API wrote, as raw text. */
  logText(): string;
  close(): Promise<void>;
}

export async function createTestApi(dialect: TestDialect, tier: Tier = 'pro', extra: Pick<ApiOptions, 'sipPorts' | 'sipServer' | 'securityNotice' | 'registrations' | 'onDevicesRenumbered'> = {}): Promise<TestApi> {
  const handle = await openTestDatabase(dialect);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger('trace', sink as unknown as pino.DestinationStream);
  const practice = await createPractice(handle.db, { name: 'Cedar Family Medicine', tier, sipDomain: `cedar-${Math.random().toString(36).slice(2)}.example` });
  const { user: owner } = await addUser(handle.db, practice.id, { email: 'owner@cedar.example', displayName: 'Olive Owner', role: 'owner' }, CLI_ACTOR);
  const { user: staff } = await addUser(handle.db, practice.id, { email: 'desk@cedar.example', displayName: 'Dana Desk', role: 'staff', extension: '101' }, CLI_ACTOR);
  const ownerToken = (await createApiToken(handle.db, practice.id, owner.id, 'owner', 'test', CLI_ACTOR)).token;
  const staffToken = (await createApiToken(handle.db, practice.id, staff.id, 'staff', 'test', CLI_ACTOR)).token;
  const clock = new ManualClock(Date.now());
  const hasher = createPasswordHasher(OWASP_MINIMUM);
  const masterKey = randomBytes(32);
  const disabledUsers: Array<[string, string[]]> = [];
  const keyDir = mkdtempSync(join(tmpdir(), 'sotto-api-key-'));
  const blobs = new MemoryBlobStore();
  // Deadlines from the practice's policy, as the runtime's vault has them.
  const vault = new Vault({
    repos: new KyselyVaultRepositories(handle.db, handle.sqlite),
    keyProvider: await FileKeyProvider.open({ path: join(keyDir, 'master.key') }),
    store: blobs,
    retentionPolicy: (practiceId) => practiceRetention(handle.db, practiceId),
  });
  const voicemail = { store: new VoicemailStore(handle.db, vault), greetings: new VaultGreetingStore(handle.db, vault), vault };
  const retention = new RetentionCommands(handle.db, vault, voicemail.store);
  const app = await buildApi({
    voicemail,
    retention,
    db: handle.db,
    logger,
    version: 'test',
    safeguards: () => [],
    masterKey,
    sessions: new KyselySessionStore(handle.db),
    publicUrl: PORTAL_ORIGIN,
    clock,
    hasher,
    onUserDisabled: (id, devices) => disabledUsers.push([id, devices]),
    ...extra,
  });
  await app.ready();
  return {
    app,
    handle,
    practice,
    owner,
    staff,
    ownerToken,
    staffToken,
    clock,
    hasher,
    masterKey,
    disabledUsers,
    voicemail,
    retention,
    blobs,
    logText: () => lines.join(''),
    async close() {
      await app.close();
      await handle.close();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
