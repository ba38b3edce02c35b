// The README's table of API error codes is the catalogue in
// src/api/error-codes.ts, written out. A code added, renamed or moved to
// another status without the README following fails here, with the table
// to paste.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, type ApiErrorSpec } from '../../src/api/error-codes.ts';

const START = '<!-- api-error-codes:start (generated from src/api/error-codes.ts; test/api/error-codes-readme.test.ts checks it) -->';
const END = '<!-- api-error-codes:end -->';

function table(): string {
  const rows = (Object.entries(API_ERROR_CODES) as Array<[string, ApiErrorSpec]>).map(
    ([code, spec]) => `| ${spec.status} | \`${code}\` | ${spec.when.replaceAll('|', '\\|')}${spec.retryAfterSeconds !== undefined ? ` (\`Retry-After: ${spec.retryAfterSeconds}\`)` : ''} |`,
  );
  return ['| status | code | when |', '|---|---|---|', ...rows].join('\n');
}

describe("the README's API error codes", () => {
  it('are exactly the codes the API answers with, at their statuses', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, `README.md needs the block:\n${START}\n${table()}\n${END}`).toBeGreaterThan(0);
    expect(readme.slice(start + START.length, end).trim(), `replace the README's table with:\n${table()}`).toBe(table());
  });
});
