export { openDatabase, migrateToLatest, type DatabaseHandle, type DatabaseTarget } from './connection.ts';
export { DatabaseError } from './errors.ts';
export { newId, flag, isUniqueViolation, uniqueViolationTable } from './ids.ts';
export type * from './schema.ts';
export { KyselyAuditStore, type AuditQuery } from './audit-store.ts';
export { auditKeysOf, bindAuditKeys, rekeyAuditLog, secureAuditLog } from './audit-keys.ts';
export { KyselySessionStore } from './session-store.ts';
