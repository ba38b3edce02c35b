// Table types for Kysely. Booleans are stored as 0/1 integers and timestamps
// as ISO-8601 UTC text so one schema runs unchanged on SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export type Flag = 0 | 1;

export interface PracticesTable {
  id: string;
  name: string;
  tier: string;
  sip_domain: string;
  created_at: string;
}

export interface PracticePolicyTable {
  practice_id: string;
  voicemail_email_notices: Flag;
  email_attachments_allowed: Flag;
  email_transcripts_allowed: Flag;
  voicemail_transcription: Flag;
  virtual_fax: Flag;
  texting: Flag;
  call_recording: Flag;
  video_meetings: Flag;
  meeting_recording: Flag;
  call_queues: Flag;
  require_srtp: Flag;
  retention_voicemail_days: number;
  retention_fax_days: number;
  retention_text_days: number;
  retention_transcript_days: number;
  retention_call_recording_days: number;
  retention_meeting_recording_days: number;
  retention_audit_days: number;
  updated_at: string;
  updated_by: string | null;
}

export interface UsersTable {
  id: string;
  practice_id: string;
  email: string;
  display_name: string;
  role: string;
  status: string;
  password_hash: string | null;
  created_at: string;
  disabled_at: string | null;
  /** The TOTP secret sealed by auth/totp-secret-box.ts; never stored plain. Null until enrolment is confirmed. */
  totp_secret_sealed: string | null;
  /** A secret handed out by enrolment start, sealed, waiting for its first code. */
  totp_pending_sealed: string | null;
  /** RFC 6238 step of the last accepted code: codes at or before it are replays. */
  totp_last_step: number | null;
  mfa_enrolled_at: string | null;
}

export interface UserRecoveryCodesTable {
  user_id: string;
  idx: number;
  /** "sha256:<hex>" (auth/recovery-codes.ts). */
  code_hash: string;
  used_at: string | null;
}

/**
 * One row per audit event; a chain per practice (chain_key = practice id)
 * plus the installation chain. Append-only: triggers refuse UPDATE and DELETE.
 */
export interface AuditEventsTable {
  chain_key: string;
  seq: number;
  id: string;
  at: string;
  practice_id: string | null;
  actor_type: string;
  actor_id: string;
  action: string;
  object_type: string | null;
  object_id: string | null;
  source_ip: string | null;
  outcome: string;
  /** Canonical JSON text, exactly as hashed. */
  details: string;
  prev_hash: string;
  hash: string;
  /** The audit key that tags the event; null before the chain was keyed (migration 0011). */
  key_id: string | null;
  /** Hex HMAC-SHA-256(audit key, hash); null exactly when key_id is. */
  mac: string | null;
}

export interface AuditChainHeadsTable {
  chain_key: string;
  seq: number;
  hash: string;
}

/**
 * Portal sessions. Times are epoch milliseconds (not ISO text like the rest
 * of the schema) because expiry is arithmetic: last_seen_at + idle_timeout_ms.
 */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  practice_id: string;
  stage: string;
  created_at: number;
  last_seen_at: number;
  absolute_expires_at: number;
  idle_timeout_ms: number;
  source_ip: string | null;
}

export interface BreakGlassGrantsTable {
  id: string;
  practice_id: string;
  user_id: string;
  /** "voicemail_box" or "user" (every PHI artifact of that user). */
  target_type: string;
  target_id: string;
  /** The reason the user typed; shown to admins beside the audit event, never put into the event itself. */
  reason: string;
  created_at: string;
  expires_at: string;
  source_ip: string | null;
}

export interface ExtensionsTable {
  id: string;
  practice_id: string;
  number: string;
  user_id: string | null;
  created_at: string;
}

export interface VoicemailBoxesTable {
  id: string;
  practice_id: string;
  extension_id: string;
  owner_user_id: string | null;
  pin_hash: string | null;
  created_at: string;
}

export interface VoicemailBoxGrantsTable {
  box_id: string;
  user_id: string;
  granted_by: string | null;
  granted_at: string;
}

export interface DevicesTable {
  id: string;
  practice_id: string;
  user_id: string;
  extension_id: string;
  kind: string;
  label: string;
  sip_username: string;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
  status: string;
  created_at: string;
  disabled_at: string | null;
}

export interface VoicemailSettingsTable {
  user_id: string;
  practice_id: string;
  email_notifications: Flag;
  attach_audio: Flag;
  include_transcript: Flag;
  transcription: Flag;
  updated_at: string;
  updated_by: string | null;
}

export interface ApiTokensTable {
  id: string;
  practice_id: string;
  user_id: string;
  role: string;
  label: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface FeatureChangesTable {
  seq: Generated<number>;
  id: string;
  practice_id: string;
  actor_type: string;
  actor_id: string | null;
  scope: string;
  subject_id: string;
  feature: string;
  old_value: string | null;
  new_value: string;
  at: string;
}

export interface SipBindingsTable {
  aor: string;
  contact: string;
  practice_id: string;
  device_id: string;
  call_id: string;
  cseq: number;
  expires_at: string;
  q: string | null;
  instance_id: string | null;
  reg_id: number | null;
  source_transport: string;
  source_address: string;
  source_port: number;
  user_agent: string | null;
}

/** An active MWI subscription's dialog (migration 0009); bigint columns read back as strings on PostgreSQL. */
export interface MwiSubscriptionsTable {
  call_id: string;
  local_tag: string;
  remote_tag: string;
  practice_id: string;
  device_id: string;
  box_id: string;
  account: string;
  event_id: string | null;
  local_uri: string;
  remote_uri: string;
  remote_target: string;
  route_set: string;
  remote_cseq: number | string;
  cseq_reserved: number | string;
  transport: string;
  address: string;
  port: number;
  expires_at: number | string;
}

export interface VaultDataKeysTable {
  key_id: string;
  practice_id: string;
  wrapped_key: Buffer;
  master_key_id: string;
  created_at: string;
  rotated_at: string | null;
}

export interface VaultObjectsTable {
  id: string;
  practice_id: string;
  kind: string;
  owner_user_id: string | null;
  data_key_id: string;
  wrapped_content_key: Buffer | null;
  blob_ref: string;
  size: number | string | null;
  state: string;
  created_at: string;
  sealed_at: string | null;
  retention_deadline: string | null;
  legal_hold: Flag;
  shred_reason: string | null;
}

export interface VaultDeletionReceiptsTable {
  id: string;
  object_id: string;
  practice_id: string;
  kind: string;
  deleted_at: string;
  reason: string;
  method: string;
}

export interface VaultUserHoldsTable {
  practice_id: string;
  user_id: string;
  placed_at: string;
  reference: string;
}

/**
 * notify/'s outbox: one row per notice waiting to be sent. `job` is the JSON
 * of a stored NoticeJob (ids; see notify/notice-job.ts), never a rendered
 * mail. Times are epoch milliseconds (PostgreSQL returns bigint as text).
 */
export interface NotifyOutboxTable {
  id: string;
  key: string;
  job: string;
  state: string;
  attempts: number;
  next_attempt_at: number | string;
  created_at: number | string;
  last_error_code: string | null;
}

/** Failed voicemail PIN entries per box ("box:<id>") and per caller ("caller:<sha256>"); times in epoch ms. */
export interface VoicemailPinFailuresTable {
  key: string;
  practice_id: string;
  failures: number;
  first_failure_at: number | string;
  locked_until: number | string | null;
}

/** One voicemail (migration 0006). Audio and transcript are vault object ids; no caller number is kept. */
export interface VoicemailMessagesTable {
  id: string;
  practice_id: string;
  box_id: string;
  /** 'recording' until committed (or recovered after a crash). */
  state: string;
  received_at: string;
  duration_ms: number;
  heard: Flag;
  partial: Flag;
  audio_object_id: string;
  transcript_object_id: string | null;
  transcript_engine: string | null;
  /** 'pending' (notices/transcription not queued yet), 'transcribing', 'done'. */
  followups: string;
}

/** A box's recorded greeting (sealed in the vault), per kind. */
export interface VoicemailGreetingsTable {
  box_id: string;
  which: string;
  practice_id: string;
  object_id: string;
  duration_ms: number;
  updated_at: string;
  updated_by: string | null;
}

export interface CallSettingsTable {
  user_id: string;
  practice_id: string;
  do_not_disturb: number;
  ring_timeout_seconds: number;
  updated_at: string;
  updated_by: string | null;
}

export interface CallRecordsTable {
  id: string;
  practice_id: string;
  caller_extension: string | null;
  /** A vault object id holding an outside caller's number; never the number. */
  caller_number_ref: string | null;
  callee_extension: string;
  started_at: number | string;
  answered_at: number | string | null;
  ended_at: number | string;
  duration_ms: number | string;
  outcome: string;
}

export interface Database {
  practices: PracticesTable;
  practice_policy: PracticePolicyTable;
  users: UsersTable;
  extensions: ExtensionsTable;
  voicemail_boxes: VoicemailBoxesTable;
  voicemail_box_grants: VoicemailBoxGrantsTable;
  devices: DevicesTable;
  voicemail_settings: VoicemailSettingsTable;
  api_tokens: ApiTokensTable;
  feature_changes: FeatureChangesTable;
  sip_bindings: SipBindingsTable;
  mwi_subscriptions: MwiSubscriptionsTable;
  vault_data_keys: VaultDataKeysTable;
  vault_objects: VaultObjectsTable;
  vault_deletion_receipts: VaultDeletionReceiptsTable;
  vault_user_holds: VaultUserHoldsTable;
  notify_outbox: NotifyOutboxTable;
  call_settings: CallSettingsTable;
  call_records: CallRecordsTable;
  user_recovery_codes: UserRecoveryCodesTable;
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
  sessions: SessionsTable;
  break_glass_grants: BreakGlassGrantsTable;
  voicemail_pin_failures: VoicemailPinFailuresTable;
  voicemail_messages: VoicemailMessagesTable;
  voicemail_greetings: VoicemailGreetingsTable;
}
