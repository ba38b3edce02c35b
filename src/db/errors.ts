// The database's failures an operator acts on (README "Error codes"), kept
// apart from the connection code so that recognising one loads no driver.
export class DatabaseError extends Error {
  constructor(
    readonly code: 'DB_MIGRATION_FAILED' | 'DB_UNREACHABLE' | 'DB_SCHEMA_NEWER',
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}
