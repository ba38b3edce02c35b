import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase } from './postgres.ts';

describe('test PostgreSQL cluster', () => {
  it('serves a fresh database per caller', async () => {
    const url = await createDatabase(inject('postgresUrl'));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    await client.end();
    expect(rows[0]?.db).toMatch(/^sotto_test_/);
  });
});
