// The directory reads the B2BUA makes on every call: the caller's digest
// credential, then the practice's require-SRTP switch with the callee's call
// settings (one read: both are wanted for every call, by the same practice
// id). On SQLite they run as statements prepared once on the raw connection:
// building, compiling and preparing each query through Kysely cost several
// times SQLite's own work.
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
  /** What a call to `extension` needs to know; NOT_FOUND without a policy row for the practice. */
  forCall(practiceId: string, extension: string): Promise<CallReading>;
}

export interface CallReading {
  /** The practice policy's require-SRTP switch. */
  readonly requireSrtp: boolean;
  /** The settings of the user behind the extension; the defaults without them; null without such an extension. */
  readonly callee: CallSettings | null;
}

interface CallRow {
  require_srtp: number;
  extension_id: string | null;
  do_not_disturb: number | null;
  ring_timeout_seconds: number | null;
}

/** Kysely's reads, for PostgreSQL. */
export function kyselyCallReads(db: Kysely<Database>): CallReads {
  return {
    credential: (realm, sipUsername) => findSipCredential(db, realm, sipUsername),
    forCall: async (practiceId, extension) => {
      const [policy, callee] = await Promise.all([getPolicy(db, practiceId), callSettingsForExtension(db, practiceId, extension)]);
      return { requireSrtp: policy.requireSrtp, callee };
    },
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

/** The policy row, and the extension (if the practice has it) with its user's settings (if saved); one indexed search each. */
export const CALL_SQL = `SELECT practice_policy.require_srtp, extensions.id AS extension_id, call_settings.do_not_disturb, call_settings.ring_timeout_seconds
   FROM practice_policy
   LEFT JOIN extensions ON extensions.practice_id = practice_policy.practice_id AND extensions.number = ?
   LEFT JOIN call_settings ON call_settings.user_id = extensions.user_id
  WHERE practice_policy.practice_id = ?`;

class PreparedCallReads implements CallReads {
  private readonly credentialStmt: SQLite.Statement<[string, string], SipCredentialRow>;
  private readonly callStmt: SQLite.Statement<[string, string], CallRow>;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly fallback: CallReads,
  ) {
    // devices.ts's statement as Kysely compiles it; practices.ts's policy read joined to call-settings.ts's.
    this.credentialStmt = sqlite.prepare<[string, string], SipCredentialRow>(CREDENTIAL_SQL);
    this.callStmt = sqlite.prepare<[string, string], CallRow>(CALL_SQL);
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

  forCall(practiceId: string, extension: string): Promise<CallReading> {
    if (!this.usable) return this.fallback.forCall(practiceId, extension);
    const row = this.callStmt.get(extension, practiceId);
    if (!row) return Promise.reject(new DirectoryError('NOT_FOUND', 'practice policy not found'));
    return Promise.resolve({ requireSrtp: row.require_srtp === 1, callee: calleeFrom(row) });
  }
}

function calleeFrom(row: CallRow): CallSettings | null {
  if (row.extension_id === null) return null;
  const known = row.do_not_disturb !== null && row.ring_timeout_seconds !== null;
  return known ? { doNotDisturb: row.do_not_disturb === 1, ringTimeoutSeconds: Number(row.ring_timeout_seconds) } : { ...DEFAULT_CALL_SETTINGS };
}
