// What every command needs: validated config, logger, data dir, master key
// and a migrated database. The composition root builds it once.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { bindAuditKeys, migrateToLatest, openDatabase, secureAuditLog, type DatabaseHandle } from '../db/index.ts';
import { AUDIT_ACTIONS, AuditError, auditKeyring, markerPathFor, type AuditKeyring, type KeyedInstallReport } from '../audit/index.ts';
import { recordAudit } from '../directory/audit.ts';
import { KyselyVaultRepositories } from '../vault/kysely-repositories.ts';
import { masterKeyIdOf, openLocalVault, type DataKeyRepository, type RecoveryReport, type TamperEvent, type Vault } from '../vault/index.ts';
import type { SottoConfig } from './config.ts';
import { ensureDataDir } from './data-dir.ts';
import { practiceRetention } from './retention-purge.ts';
import { loadOrCreateMasterKey, loadRetiredMasterKeys, MasterKeyError } from './master-key.ts';

export interface Runtime {
  config: SottoConfig;
  logger: Logger;
  database: DatabaseHandle;
  masterKey: Buffer;
  /** Sealed storage of every PHI artifact (vault/). */
  vault: Vault;
  /** What start-up recovery found: objects left mid-write by a crash, now marked partial. */
  vaultRecovery: RecoveryReport;
  /** What start found of the keyed-install marker and did to the audit chains; a problem here only with `inspectAudit`. */
  auditIntegrity: KeyedInstallReport;
  version: string;
  close(): Promise<void>;
}

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sottoVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * A sealed object that failed authentication becomes an audit event in its
 * own transaction: the read that found it fails whatever happens here, and
 * the event must not be rolled back with anything else. Ids and codes only.
 * Callers must not open vault objects inside a database transaction: on
 * SQLite's single connection this transaction would wait on theirs.
 */
async function recordTamper(database: DatabaseHandle, event: TamperEvent): Promise<void> {
  await database.db.transaction().execute((trx) =>
    recordAudit(trx, event.practiceId, { type: 'system', id: 'vault' }, {
      action: AUDIT_ACTIONS.vaultTamperDetected,
      object: { type: event.kind, id: event.objectId },
      outcome: 'failure',
      details: { reason: event.reason },
    }),
  );
}

/**
 * A key file that wraps none of the practices' data keys is another
 * install's key (a wrong backup restored, a wrong path): with it nothing
 * stored can be opened and new data would be sealed under a key the
 * install's backups do not hold. Refused. A rotation stopped between its
 * database commit and its key file rename (`<key>.next` present, see
 * key-rotation.ts) is refused too, with its own code, except to the
 * `sotto keys` commands that finish or show it.
 */
async function refuseForeignMasterKey(dataKeys: DataKeyRepository, masterKey: Uint8Array, masterKeyFile: string, finishingRotation: boolean): Promise<void> {
  const keys = await dataKeys.listAll();
  const current = masterKeyIdOf(masterKey);
  if (keys.length === 0 || keys.some((k) => k.masterKeyId === current)) return;
  if (existsSync(`${masterKeyFile}.next`)) {
    if (finishingRotation) return;
    throw new MasterKeyError(
      `SOTTO_MASTER_KEY_FILE: a master key rotation was stopped before its new key file (${masterKeyFile}.next) was put in place: run \`sotto keys rotate\` to finish it`,
      'MASTER_KEY_ROTATION_UNFINISHED',
    );
  }
  const wrappedBy = [...new Set(keys.map((k) => k.masterKeyId))].join(', ');
  throw new MasterKeyError(
    `SOTTO_MASTER_KEY_FILE: ${masterKeyFile} holds master key ${current}, but every practice data key is wrapped by ${wrappedBy}: it is not this install's key; point SOTTO_MASTER_KEY_FILE at the right file or restore it from your backup`,
    'MASTER_KEY_MISMATCH',
  );
}

/**
 * The audit key derives from the master key (src/audit/audit-key.ts); the
 * retired master keys a rotation left beside it let old tags be checked.
 * Bound to the database so every event recorded through it is tagged.
 */
function bindAuditKeyring(database: DatabaseHandle, masterKey: Buffer, masterKeyFile: string): AuditKeyring {
  const retired = loadRetiredMasterKeys(masterKeyFile);
  const keys = auditKeyring(masterKey, retired);
  for (const k of retired) k.fill(0);
  bindAuditKeys(database.db, keys);
  return keys;
}

/**
 * After `sotto keys rotate`, chains end under the previous audit key: each
 * is verified with the retired key and moved on to the current one by a
 * checkpoint event (src/audit/checkpoint.ts). On an install upgraded from
 * before keyed chains, chains ending in unkeyed events get one too, so every
 * live chain ends tagged (an append links only onto a tagged tail), unless
 * the keyed-install marker beside the master key says this install's log
 * was already keyed: then an unkeyed chain is a forgery (every chain
 * stripped of its tags by a database writer), never tagged over
 * (src/audit/keyed-install.ts). A chain that does not verify otherwise (an
 * edited event, a malformed row) is left alone and reported by code
 * (AUDIT_CHAIN_UNVERIFIED, with its chain id and break), the start goes on
 * and the append guard refuses appends onto it; `sotto audit verify` names
 * its break.
 *
 * A marker that cannot be trusted, or a chain stripped of its tags on a
 * keyed install, stops the start (like a foreign master key): running on it
 * would record new events onto a log known to be rewritten. `inspect`
 * (`sotto audit verify`) opens anyway, to name what is wrong; nothing is
 * tagged over an untagged chain then either.
 */
async function secureAuditChains(database: DatabaseHandle, keys: AuditKeyring, masterKeyFile: string, logger: Logger, inspect: boolean): Promise<KeyedInstallReport> {
  const report = await secureAuditLog(database.db, keys, markerPathFor(masterKeyFile));
  for (const o of report.outcomes) {
    if (o.outcome === 'checkpointed') logger.info({ event: 'audit.key_checkpoint', chain: o.chain, seq: o.seq, fromKeyId: o.fromKeyId, toKeyId: keys.current.id }, 'audit chain moved on to the current audit key');
    if (o.outcome === 'upgraded') logger.info({ event: 'audit.key_checkpoint', chain: o.chain, seq: o.seq, fromKeyId: null, toKeyId: keys.current.id }, 'unkeyed audit chain now ends under the current audit key');
    if (o.outcome === 'unverified') {
      logger.error({ event: 'audit.chain_unverified', code: 'AUDIT_CHAIN_UNVERIFIED', chain: o.chain, fromKeyId: o.fromKeyId, seq: o.break?.seq ?? null, reason: o.break?.reason ?? 'moved' }, 'audit chain did not verify: not checkpointed');
    }
  }
  if (report.writeFailed !== null) logger.error({ event: 'audit.marker_unwritten', code: 'AUDIT_MARKER_UNWRITTEN', errno: report.writeFailed }, 'the keyed-install audit marker could not be written; the next start tries again');
  if (report.problem !== null) {
    logger.error({ event: 'audit.keyed_install', code: report.problem.code, chains: report.problem.chains }, 'the audit log cannot be vouched for');
    if (!inspect) throw new AuditError(report.problem.code, report.problem.message);
  }
  return report;
}

/**
 * `recover: false` for a process that does not own the data dir (the CLI
 * beside a running server): it must not take a live server's objects in
 * the middle of a write for a crash's leftovers. `sotto start` owns it
 * (src/app/run-lock.ts) and recovers.
 */
/**
 * How many secrets the database holds sealed under the master key: the
 * practices' wrapped data keys, and the two-factor secrets (their box's key
 * derives from the master key). An install with none may make a new key.
 */
async function sealedUnderMasterKey(database: DatabaseHandle): Promise<number> {
  const keys = await database.db.selectFrom('vault_data_keys').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
  const totp = await database.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where((eb) => eb.or([eb('totp_secret_sealed', 'is not', null), eb('totp_pending_sealed', 'is not', null)]))
    .executeTakeFirstOrThrow();
  return Number(keys.n) + Number(totp.n);
}

export interface OpenRuntimeOptions {
  recover?: boolean;
  finishingRotation?: boolean;
  /** `sotto audit verify`: open an audit log that cannot be vouched for (see secureAuditChains), to report on it. */
  inspectAudit?: boolean;
}

export async function openRuntime(config: SottoConfig, logger: Logger, options: OpenRuntimeOptions = {}): Promise<Runtime> {
  ensureDataDir(config.dataDir);
  const database = openDatabase(config.database);
  let local;
  let masterKey: Buffer;
  let auditIntegrity: KeyedInstallReport;
  try {
    await migrateToLatest(database);
    masterKey = loadOrCreateMasterKey(config.masterKeyFile, await sealedUnderMasterKey(database));
    const auditKeys = bindAuditKeyring(database, masterKey, config.masterKeyFile);
    // Before the vault opens: its start-up recovery would take every object under a foreign key for tampered.
    await refuseForeignMasterKey(new KyselyVaultRepositories(database.db, database.sqlite).dataKeys, masterKey, config.masterKeyFile, options.finishingRotation ?? false);
    // Before anything records an event (the vault's recovery may): the checkpoint must be the first event under a new key.
    auditIntegrity = await secureAuditChains(database, auditKeys, config.masterKeyFile, logger, options.inspectAudit ?? false);
    local = await openLocalVault({
      dataDir: config.dataDir,
      masterKeyFile: config.masterKeyFile,
      repos: new KyselyVaultRepositories(database.db, database.sqlite),
      logger,
      onTampered: (event) => recordTamper(database, event),
      // Each new object's deadline from its practice's policy (PATCH /policy); stored ones follow at each purge run (retention-purge.ts).
      retentionPolicy: (practiceId) => practiceRetention(database.db, practiceId),
      recover: options.recover ?? true,
    });
  } catch (e) {
    await database.close();
    throw e;
  }
  if (local.recovery.partial.length > 0) logger.warn({ event: 'vault.recovered', partial: local.recovery.partial.length }, 'recovered objects interrupted by a crash');
  // Each one is also in the audit log (vault.tamper_detected); left untouched, so restoring the key or blob and restarting recovers it.
  if (local.recovery.tampered.length > 0) logger.error({ event: 'vault.recovery_tampered', code: 'VAULT_TAMPERED', count: local.recovery.tampered.length }, 'interrupted objects failed authentication at recovery');
  const vault = local.vault;
  return {
    config,
    logger,
    database,
    masterKey,
    vault,
    vaultRecovery: local.recovery,
    auditIntegrity,
    version: sottoVersion(),
    async close() {
      await vault.close();
      await database.close();
    },
  };
}
