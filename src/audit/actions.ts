/**
 * The action codes Sotto records, in one place so API routes, the portal's
 * audit view and tests agree on spelling. Codes are stable once shipped:
 * auditors search old logs by them. A failed or refused attempt keeps its
 * action and says so in `outcome`.
 */
export const AUDIT_ACTIONS = {
  // Authentication (45 CFR 164.312(d)) and sessions.
  signIn: 'auth.sign_in',
  signOut: 'auth.sign_out',
  sessionExpired: 'auth.session_expired',
  mfaVerify: 'auth.mfa_verify',
  mfaEnrollStart: 'auth.mfa_enroll_start',
  mfaEnroll: 'auth.mfa_enroll',
  mfaReset: 'auth.mfa_reset',
  recoveryCodeUse: 'auth.recovery_code_use',
  recoveryCodesRegenerate: 'auth.recovery_codes_regenerate',
  passwordChange: 'auth.password_change',
  accountLocked: 'auth.account_locked',
  // People, tokens and access.
  userCreate: 'user.create',
  userUpdate: 'user.update',
  userRoleChange: 'user.role_change',
  userDeactivate: 'user.deactivate',
  userReactivate: 'user.reactivate',
  deviceCreate: 'device.create',
  deviceDisable: 'device.disable',
  practiceCreate: 'practice.create',
  tokenCreate: 'token.create',
  tokenRevoke: 'token.revoke',
  grantCreate: 'grant.create',
  grantRevoke: 'grant.revoke',
  breakGlassOpen: 'breakglass.open',
  breakGlassClose: 'breakglass.close',
  settingsUpdate: 'settings.update',
  // PHI artifacts: every read, play, download, forward, deletion.
  voicemailList: 'voicemail.list',
  voicemailRead: 'voicemail.read',
  voicemailPlay: 'voicemail.play',
  voicemailDownload: 'voicemail.download',
  voicemailForward: 'voicemail.forward',
  voicemailDelete: 'voicemail.delete',
  // A message left by a caller (system actor), heard-marks, greetings, machine transcripts.
  voicemailDeposit: 'voicemail.deposit',
  voicemailMarkHeard: 'voicemail.mark_heard',
  voicemailGreetingUpdate: 'voicemail.greeting_update',
  transcriptCreate: 'transcript.create',
  transcriptRead: 'transcript.read',
  recordingPlay: 'recording.play',
  recordingDownload: 'recording.download',
  recordingDelete: 'recording.delete',
  faxRead: 'fax.read',
  faxDownload: 'fax.download',
  faxDelete: 'fax.delete',
  messageRead: 'message.read',
  messageDelete: 'message.delete',
  retentionPurge: 'retention.purge',
  // Legal holds on a user (all they own) or one voicemail (recording and transcript): no purge or delete while held.
  legalHoldPlace: 'legal_hold.place',
  legalHoldRelease: 'legal_hold.release',
  // Call detail records: who called whom and when.
  callRecordList: 'call_record.list',
  // A sealed object failed authentication on read (flipped byte, swapped or
  // truncated blob): someone or something changed stored PHI.
  vaultTamperDetected: 'vault.tamper_detected',
  // Keys and the audit log itself.
  keyCreate: 'key.create',
  keyRotate: 'key.rotate',
  keyDestroy: 'key.destroy',
  auditView: 'audit.view',
  auditExport: 'audit.export',
  auditVerify: 'audit.verify',
  // The chain moves on to a new audit key (after `sotto keys rotate`), written
  // once the segment under the old key verified with it (checkpoint.ts).
  auditKeyCheckpoint: 'audit.key_checkpoint',
} as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

/** Actions the portal shows prominently (break-glass access to someone else's PHI). */
export function isBreakGlassAction(action: string): boolean {
  return action.startsWith('breakglass.');
}
