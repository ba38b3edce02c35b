/**
 * Every API route, and what it writes to the audit log. A route that changes
 * state or touches PHI lists the action(s) it records; a route may be exempt
 * only if it is a read without PHI, and says why. test/api/audited-routes
 * test enumerates the routes Fastify actually registered: a route missing
 * from this table, a state-changing route marked exempt, or an audited route
 * whose request does not leave an event with its actor, fails the suite.
 */
export type RouteAudit = { actions: readonly string[] } | { exempt: string };

const NO_PHI_READ = 'a read of configuration or directory data, no PHI';

export const AUDITED_ROUTES: Readonly<Record<string, RouteAudit>> = {
  'GET /': { exempt: 'static page' },
  'GET /api/v1/health': { exempt: 'liveness, no data' },
  'GET /api/v1/openapi.json': { exempt: 'public API description' },

  'POST /api/v1/session': { actions: ['auth.sign_in'] },
  'POST /api/v1/session/mfa': { actions: ['auth.mfa_verify', 'auth.recovery_code_use'] },
  'GET /api/v1/session': { exempt: 'who-am-I of the caller, no PHI' },
  'DELETE /api/v1/session': { actions: ['auth.sign_out'] },
  'POST /api/v1/session/mfa/enrolment': { actions: ['auth.mfa_enroll_start'] },
  'POST /api/v1/session/mfa/enrolment/confirm': { actions: ['auth.mfa_enroll'] },
  'POST /api/v1/session/password': { actions: ['auth.password_change'] },
  'GET /api/v1/session/mfa/recovery-codes': { exempt: 'how many of the caller\'s recovery codes are left: a count, no secret, no PHI' },
  'POST /api/v1/session/mfa/recovery-codes': { actions: ['auth.recovery_codes_regenerate'] },

  'POST /api/v1/break-glass': { actions: ['breakglass.open'] },
  'GET /api/v1/audit-events': { actions: ['audit.view'] },
  'GET /api/v1/audit-events/verify': { actions: ['audit.verify'] },
  'GET /api/v1/audit-events/export': { actions: ['audit.export'] },

  'GET /api/v1/practice': { exempt: NO_PHI_READ },
  'PATCH /api/v1/practice': { actions: ['settings.update'] },
  'GET /api/v1/policy': { exempt: NO_PHI_READ },
  'PATCH /api/v1/policy': { actions: ['settings.update'] },
  'GET /api/v1/users': { exempt: NO_PHI_READ },
  'POST /api/v1/users': { actions: ['user.create'] },
  'GET /api/v1/users/:id': { exempt: NO_PHI_READ },
  'PATCH /api/v1/users/:id': { actions: ['user.update', 'user.role_change'] },
  'POST /api/v1/users/:id/disable': { actions: ['user.deactivate'] },
  'POST /api/v1/users/:id/enable': { actions: ['user.reactivate'] },
  'POST /api/v1/users/:id/password': { actions: ['auth.password_change'] },
  'POST /api/v1/users/:id/mfa/reset': { actions: ['auth.mfa_reset'] },
  'GET /api/v1/users/:id/devices': { exempt: NO_PHI_READ },
  'POST /api/v1/users/:id/devices': { actions: ['device.create'] },
  'DELETE /api/v1/devices/:id': { actions: ['device.disable'] },
  'GET /api/v1/extensions': { exempt: NO_PHI_READ },
  'GET /api/v1/users/:id/voicemail-settings': { exempt: NO_PHI_READ },
  'PATCH /api/v1/users/:id/voicemail-settings': { actions: ['settings.update'] },
  'GET /api/v1/users/:id/call-settings': { exempt: NO_PHI_READ },
  'PATCH /api/v1/users/:id/call-settings': { actions: ['settings.update'] },
  'GET /api/v1/calls': { actions: ['call_record.list'] },
  'GET /api/v1/compliance/posture': { exempt: NO_PHI_READ },
  'POST /api/v1/compliance/apply-safe-defaults': { actions: ['settings.update'] },
  'GET /api/v1/compliance/changes': { exempt: 'who changed which switch; the same facts are in the audit log' },

  'GET /api/v1/voicemails': { actions: ['voicemail.list'] },
  'GET /api/v1/voicemails/:id': { actions: ['voicemail.read'] },
  'GET /api/v1/voicemails/:id/audio': { actions: ['voicemail.play'] },
  'PATCH /api/v1/voicemails/:id': { actions: ['voicemail.mark_heard'] },
  'DELETE /api/v1/voicemails/:id': { actions: ['voicemail.delete'] },
  'PUT /api/v1/voicemail-boxes/:id/greetings/:which': { actions: ['voicemail.greeting_update'] },

  'GET /api/v1/retention': { exempt: 'retention periods and counts of stored objects by kind, no PHI' },
  'GET /api/v1/retention/receipts': { exempt: 'deletion receipts: ids, kinds and times of destroyed objects, no PHI' },
  'GET /api/v1/legal-holds': { exempt: 'which users and message ids are held, no PHI' },
  'PUT /api/v1/legal-holds/users/:id': { actions: ['legal_hold.place'] },
  'DELETE /api/v1/legal-holds/users/:id': { actions: ['legal_hold.release'] },
  'PUT /api/v1/legal-holds/voicemails/:id': { actions: ['legal_hold.place'] },
  'DELETE /api/v1/legal-holds/voicemails/:id': { actions: ['legal_hold.release'] },
};

export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
