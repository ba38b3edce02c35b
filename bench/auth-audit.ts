/**
 * Figures for the auth and audit building blocks: argon2id cost at the
 * default and the OWASP floor, TOTP verification, audit append and verify
 * throughput (in-memory store, so this is the library's own cost).
 */
import { AuditLog, MemoryAuditStore, verifyStoredChain, type MemoryAuditTx } from '../src/audit/index.ts';
import { ARGON2_DEFAULTS, OWASP_MINIMUM, createPasswordHasher, generateTotpSecret, totpAt, verifyTotp } from '../src/auth/index.ts';

async function time<T>(label: string, n: number, fn: (i: number) => Promise<T> | T): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = performance.now() - start;
  process.stdout.write(`${label.padEnd(44)} ${(ms / n).toFixed(3).padStart(9)} ms/op  ${((n / ms) * 1000).toFixed(0).padStart(8)} op/s\n`);
}

for (const [name, params] of [['argon2id m=64MiB t=3 p=4 (default)', ARGON2_DEFAULTS], ['argon2id m=19MiB t=2 p=1 (OWASP floor)', OWASP_MINIMUM]] as const) {
  const hasher = createPasswordHasher(params);
  const stored = await hasher.hash('tidy lantern orbit fifty-seven');
  await time(`${name} hash`, 5, () => hasher.hash('tidy lantern orbit fifty-seven'));
  await time(`${name} verify`, 5, () => hasher.verify(stored, 'tidy lantern orbit fifty-seven'));
}

const secret = generateTotpSecret();
const now = Date.now();
await time('TOTP verify (3 candidate steps)', 20_000, () => verifyTotp({ secret, code: totpAt(secret, now), nowMs: now, lastUsedStep: null }));

const store = new MemoryAuditStore();
const log = new AuditLog<MemoryAuditTx>({ store, clock: { now: () => Date.now() } });
const N = 20_000;
await time('audit append (validate + hash + store)', N, () =>
  store.transaction((tx) =>
    log.record(tx, {
      practiceId: 'prac_1',
      actor: { type: 'user', id: 'usr_7' },
      action: 'voicemail.play',
      object: { type: 'voicemail', id: 'vm_42' },
      sourceIp: '192.0.2.10',
      outcome: 'success',
      details: { box: 'vmb_3' },
    }),
  ),
);
const start = performance.now();
const result = await verifyStoredChain(store, 'prac_1');
const ms = performance.now() - start;
process.stdout.write(`audit verify ${N} events: ${ms.toFixed(0)} ms (${((N / ms) * 1000).toFixed(0)} events/s), ok=${result.ok}\n`);
