// The directory reads the B2BUA makes on every call: the caller's digest
// credential, the callee's call settings, the practice's require-SRTP
// switch. On SQLite they run as statements prepared once on the raw
// connection: building, compiling and preparing each query through Kysely
// cost several times SQLite's own work, and a call made three of them.
//
// Nothing is cached: every call reads the rows as committed, so a device or
// user disabled, do-not-disturb toggled, a ring timeout or the policy
// changed (through the API in this process, or the CLI in another) applies
// to the very next call. Each statement is one indexed lookup, a few
// microseconds.
//
// Same answers as findSipCredential, callSettingsForExtension and
// getPolicy (call-reads.test.ts holds them side by side); on PostgreSQL,
// and on SQLite while Kysely holds a transaction open on the shared
// connection (a prepared read would see its uncommitted rows), those
// functions answer instead.
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { callSettingsForExtension, DEFAULT_CALL_SETTINGS, type CallSettings } from './call-settings.ts';
import { findSipCredential, sipCredentialFromRow, type SipCredential, type SipCredentialRow } from './devices.ts';
import { DirectoryError } from './errors.ts';
import { getPolicy } from './practices.ts';

export interface CallReads {
  /** The active device (of an active user) with this digest username in this realm. */
  credential(realm: string, sipUsername: string): Promise<SipCredential | undefined>;
  /** The settings of the user behind an extension; the defaults without them; null without such an extension. */
  calleeSettings(practiceId: string, extension: string): Promise<CallSettings | null>;
  /** The practice policy's require-SRTP switch; NOT_FOUND without a policy row. */
  requireSrtp(practiceId: string): Promise<boolean>;
}

interface SettingsRow {
  do_not_disturb: number | null;
  ring_timeout_seconds: number | null;
}

/** Kysely's reads, for PostgreSQL. */
export function kyselyCallReads(db: Kysely<Database>): CallReads {
  return {
    credential: (realm, sipUsername) => findSipCredential(db, realm, sipUsername),
    calleeSettings: (practiceId, extension) => callSettingsForExtension(db, practiceId, extension),
    requireSrtp: async (practiceId) => (await getPolicy(db, practiceId)).requireSrtp,
  };
}

/** Prepared reads on SQLite (`sqlite` is the connection under `db`); Kysely's on PostgreSQL. */
export function openCallReads(db: Kysely<Database>, sqlite: SQLite.Database | undefined): CallReads {
  return sqlite ? new PreparedCallReads(sqlite, kyselyCallReads(db)) : kyselyCallReads(db);
}

/** The caller's credential, as devices.ts's findSipCredential compiles it; one indexed search (migration 0010). */
export const CREDENTIAL_SQL = `SELECT devices.id, devices.practice_id, devices.user_id, extensions.number, devices.sip_username, devices.realm, devices.ha1_md5, devices.ha1_sha256
   FROM devices
   INNER JOIN extensions ON extensions.id = devices.extension_id
   INNER JOIN users ON users.id = devices.user_id
  WHERE devices.realm = ? AND devices.sip_username = ? AND devices.status = 'active' AND users.status = 'active'`;

class PreparedCallReads implements CallReads {
  private readonly credentialStmt: SQLite.Statement<[string, string], SipCredentialRow>;
  private readonly settingsStmt: SQLite.Statement<[string, string], SettingsRow>;
  private readonly srtpStmt: SQLite.Statement<[string], number>;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly fallback: CallReads,
  ) {
    // The statements of devices.ts, call-settings.ts and practices.ts, as Kysely compiles them.
    this.credentialStmt = sqlite.prepare<[string, string], SipCredentialRow>(CREDENTIAL_SQL);
    this.settingsStmt = sqlite.prepare<[string, string], SettingsRow>(
      `SELECT call_settings.do_not_disturb, call_settings.ring_timeout_seconds
         FROM extensions
         LEFT JOIN call_settings ON call_settings.user_id = extensions.user_id
        WHERE extensions.practice_id = ? AND extensions.number = ?`,
    );
    this.srtpStmt = sqlite.prepare<[string], number>('SELECT require_srtp FROM practice_policy WHERE practice_id = ?').pluck();
  }

  /** Kysely shares the connection and may hold a transaction open across awaits: then wait for it through Kysely. */
  private get usable(): boolean {
    return !this.sqlite.inTransaction;
  }

  credential(realm: string, sipUsername: string): Promise<SipCredential | undefined> {
    if (!this.usable) return this.fallback.credential(realm, sipUsername);
    const row = this.credentialStmt.get(realm, sipUsername);
    return Promise.resolve(row && sipCredentialFromRow(row));
  }

  calleeSettings(practiceId: string, extension: string): Promise<CallSettings | null> {
    if (!this.usable) return this.fallback.calleeSettings(practiceId, extension);
    const row = this.settingsStmt.get(practiceId, extension);
    if (!row) return Promise.resolve(null);
    const known = row.do_not_disturb !== null && row.ring_timeout_seconds !== null;
    return Promise.resolve(known ? { doNotDisturb: row.do_not_disturb === 1, ringTimeoutSeconds: Number(row.ring_timeout_seconds) } : { ...DEFAULT_CALL_SETTINGS });
  }

  requireSrtp(practiceId: string): Promise<boolean> {
    if (!this.usable) return this.fallback.requireSrtp(practiceId);
    const flag = this.srtpStmt.get(practiceId);
    if (flag === undefined) return Promise.reject(new DirectoryError('NOT_FOUND', 'practice policy not found'));
    return Promise.resolve(flag === 1);
  }
}
