export { openDatabase, migrateToLatest, DatabaseError, type DatabaseHandle, type DatabaseTarget } from './connection.ts';
export { newId, flag, isUniqueViolation } from './ids.ts';
export type * from './schema.ts';
export { KyselyAuditStore, type AuditQuery } from './audit-store.ts';
export { auditKeysOf, bindAuditKeys, rekeyAuditLog, secureAuditLog } from './audit-keys.ts';
export { KyselySessionStore } from './session-store.ts';
