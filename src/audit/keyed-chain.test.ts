// The keyed chain against someone who can write the database but does not
// hold the master key file: rewriting and re-hashing, appending the old
// unkeyed way, replaying a retired key, cutting the tail. And the installs
// that must keep verifying: upgraded ones with unkeyed history, rotated ones.
import { describe, expect, it } from 'vitest';
import { auditKeyring, macOf, type AuditKeyring } from './audit-key.ts';
import { AuditLog } from './audit-log.ts';
import { computeEventHash, linkEvent } from './chain.ts';
import { checkpointChains } from './checkpoint.ts';
import type { AuditEvent } from './event.ts';
import { exportChain, verifyExport } from './export.ts';
import { MemoryAuditStore, type MemoryAuditTx } from './store.ts';
import { verifyChain } from './verify.ts';
import { verifyStore, verifyStoredChain } from './verify-store.ts';
import { playEvent } from './test-events.ts';

const masterA = Buffer.alloc(32, 0xa1);
const masterB = Buffer.alloc(32, 0xb2);
const ringA = auditKeyring(masterA);

const play = playEvent;

function install() {
  const store = new MemoryAuditStore();
  let t = Date.UTC(2026, 0, 1);
  let n = 0;
  const logUnder = (ring: AuditKeyring | null) =>
    new AuditLog<MemoryAuditTx>({ store, clock: { now: () => (t += 1000) }, newId: () => `evt_${++n}`, key: ring?.current ?? null });
  const append = async (log: AuditLog<MemoryAuditTx>, count: number) => {
    for (let i = 0; i < count; i++) await store.transaction((tx) => log.record(tx, play(n + 1)));
  };
  /** The forger's append: straight into the store, past AuditLog's guard, tagged under whatever key they hold (or none). */
  const forge = async (ring: AuditKeyring | null, count = 1) => {
    for (let i = 0; i < count; i++) {
      const id = `evt_${++n}`;
      const at = new Date((t += 1000)).toISOString();
      await store.transaction((tx) => store.append(tx, 'prac_1', (h) => linkEvent(h, { id, seq: h.seq + 1, at, ...play(n), details: { box: 'vmb_3' } }, ring?.current ?? null)));
    }
  };
  const clock = { now: () => (t += 1000) };
  /** What every start does (runtime.ts): checkpoints onto the current key. */
  const start = (keys: AuditKeyring) => checkpointChains({ store, keys, transaction: (fn) => store.transaction(fn), clock, newId: () => `evt_${++n}` });
  return { store, logUnder, append, forge, start, clock };
}

/**
 * The attacker's rebuild: every hash from `from` on recomputed with plain
 * SHA-256, tags left or re-made under a key of their own, the head row moved
 * to match.
 */
function rebuild(rows: AuditEvent[], from: number, forgeKey: AuditKeyring | null = null, store?: MemoryAuditStore): void {
  for (let i = from; i < rows.length; i++) {
    const row = rows[i]!;
    row.prevHash = i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash;
    row.hash = computeEventHash(row.prevHash, row);
    if (forgeKey && row.keyId) row.mac = macOf(forgeKey.current, row.hash);
  }
  const last = rows.at(-1);
  if (store && last) store.rawSetHead('prac_1', { seq: last.seq, hash: last.hash });
}

describe('a keyed chain', () => {
  it('tags every new event and verifies with the key: keyed from its first event, authenticated', async () => {
    const { store, logUnder, append } = install();
    await append(logUnder(ringA), 3);
    const rows = await store.readRange('prac_1');
    expect(rows.every((r) => r.keyId === ringA.current.id && /^[0-9a-f]{64}$/.test(r.mac ?? ''))).toBe(true);
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toEqual({
      ok: true,
      count: 3,
      head: { seq: 3, hash: rows[2]!.hash },
      keyedFrom: { seq: 1, id: 'evt_1' },
      headKeyId: ringA.current.id,
      keySegments: [{ keyId: ringA.current.id, fromSeq: 1, fromId: 'evt_1', toSeq: 3, checkpoint: false }],
      authenticated: true,
    });
  });

  it('catches an event rewritten and the chain rebuilt with plain SHA-256 (which the unkeyed check alone passes)', async () => {
    const { store, logUnder, append } = install();
    await append(logUnder(ringA), 6);
    const rows = store.rawRows('prac_1');
    rows[3]!.actor.id = 'usr_8';
    rebuild(rows, 3, null, store);
    // Without the key the forgery is a consistent chain: that was the whole log's protection before.
    expect(verifyChain(rows)).toMatchObject({ ok: true, count: 6 });
    expect(verifyChain(rows, { keys: ringA })).toEqual({
      ok: false,
      break: { seq: 4, reason: 'mac_mismatch', id: 'evt_4' },
      verifiedCount: 3,
      keySegments: [{ keyId: ringA.current.id, fromSeq: 1, fromId: 'evt_1', toSeq: 3, checkpoint: false }],
    });
    // Tags re-made under a key of the forger's own do not help.
    rebuild(rows, 3, auditKeyring(Buffer.alloc(32, 0x66)));
    expect(verifyChain(rows, { keys: ringA })).toMatchObject({ ok: false, break: { seq: 4, reason: 'mac_mismatch' } });
  });

  it('refuses an unkeyed event appended after keyed ones (no downgrade)', async () => {
    const { store, logUnder, append, forge } = install();
    await append(logUnder(ringA), 3);
    await forge(null); // the old, unkeyed way, as a forger without the key would
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toEqual({
      ok: false,
      break: { seq: 4, reason: 'unkeyed_after_keyed', id: 'evt_4' },
      verifiedCount: 3,
      keySegments: [{ keyId: ringA.current.id, fromSeq: 1, fromId: 'evt_1', toSeq: 3, checkpoint: false }],
    });
    // The rule needs no key: an offline check of an export refuses it too.
    expect(verifyChain(await store.readRange('prac_1'))).toMatchObject({ ok: false, break: { seq: 4, reason: 'unkeyed_after_keyed' } });
  });

  it('refuses a keyed event whose key id was stripped (it is hashed with the body)', async () => {
    const { store, logUnder, append } = install();
    await append(logUnder(ringA), 3);
    const rows = store.rawRows('prac_1');
    rows[2]!.keyId = null;
    rows[2]!.mac = null;
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toMatchObject({ ok: false, break: { seq: 3, reason: 'hash_mismatch' } });
  });

  it('refuses tags under a key it does not hold at the tail', async () => {
    const { store, logUnder, append, forge } = install();
    await append(logUnder(ringA), 2);
    await forge(auditKeyring(Buffer.alloc(32, 0x66)));
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toMatchObject({ ok: false, break: { seq: 3, reason: 'stale_key' } });
    const other = install();
    const theirs = auditKeyring(Buffer.alloc(32, 0x66));
    await other.append(other.logUnder(theirs), 2);
    expect(await verifyStoredChain(other.store, 'prac_1', ringA)).toEqual({
      ok: false,
      break: { seq: 1, reason: 'unauthenticated_tail', id: 'evt_1' },
      verifiedCount: 2,
      keySegments: [{ keyId: theirs.current.id, fromSeq: 1, fromId: 'evt_1', toSeq: 2, checkpoint: false }],
    });
  });

  it('catches a deleted last event against the head, and a rolled-back head only against a published checkpoint', async () => {
    const { store, logUnder, append } = install();
    await append(logUnder(ringA), 5);
    const published = await store.head('prac_1'); // e.g. the head line of `sotto audit verify`, kept off the box
    store.rawRows('prac_1').pop();
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toMatchObject({ ok: false, break: { seq: 5, reason: 'truncated' } });
    // Whoever also rolls the head row back leaves a chain that is, by itself, a valid shorter chain:
    // every remaining event is genuine. Only a head recorded outside the database tells.
    const rows = await store.readRange('prac_1');
    expect(verifyChain(rows, { keys: ringA })).toMatchObject({ ok: true, count: 4 });
    expect(verifyChain(rows, { keys: ringA, expectedHead: published })).toMatchObject({ ok: false, break: { seq: 5, reason: 'truncated' } });
  });
});

describe('an upgraded install', () => {
  it('has its unkeyed chains checkpointed at the first start, and every later event is keyed: keyed from the checkpoint', async () => {
    const { store, logUnder, append, start } = install();
    await append(logUnder(null), 4); // written before the upgrade
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: true, count: 4, keyedFrom: null, authenticated: false });
    expect(await start(ringA)).toEqual([{ chain: 'prac_1', outcome: 'upgraded', seq: 5 }]);
    const [cp] = await store.readRange('prac_1', { fromSeq: 5 });
    expect(cp).toMatchObject({ action: 'audit.key_checkpoint', actor: { type: 'system', id: 'audit' }, keyId: ringA.current.id, details: { upgrade: true, toKeyId: ringA.current.id, verifiedThroughSeq: 4 } });
    await append(logUnder(ringA), 2);
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toMatchObject({ ok: true, count: 7, keyedFrom: { seq: 5, id: 'evt_5' }, authenticated: true });
    expect(await start(ringA)).toEqual([{ chain: 'prac_1', outcome: 'current' }]);
  });

  it('has its unkeyed history covered by the first tag: rewriting it is caught', async () => {
    const { store, logUnder, append, start } = install();
    await append(logUnder(null), 4);
    await start(ringA);
    await append(logUnder(ringA), 2);
    const rows = store.rawRows('prac_1');
    rows[1]!.object = { type: 'voicemail', id: 'vm_99' };
    rebuild(rows, 1, null, store);
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toMatchObject({ ok: false, break: { seq: 5, reason: 'mac_mismatch' } });
  });
});

describe('a chain rewritten as unkeyed events (review finding: a tagged append used to vouch for it)', () => {
  /** The database writer's rewrite: key ids and tags dropped, SHA-256 links rebuilt, the head row moved to the forged tail. */
  async function strippedChain() {
    const it = install();
    await it.append(it.logUnder(ringA), 3);
    const rows = it.store.rawRows('prac_1');
    rows[1]!.outcome = 'failure';
    for (const r of rows) Object.assign(r, { keyId: null, mac: null });
    rebuild(rows, 0, null, it.store);
    return it;
  }

  it('fails verify with the keys at hand (unkeyed_tail), though the SHA-256 chain holds', async () => {
    const { store } = await strippedChain();
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: true, count: 3, keyedFrom: null });
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toEqual({ ok: false, break: { seq: 3, reason: 'unkeyed_tail', id: 'evt_3' }, verifiedCount: 3, keySegments: [] });
  });

  it('is never linked onto: the next audited action fails with AUDIT_CHAIN_UNAUTHENTICATED and records nothing', async () => {
    const { store, logUnder, append } = await strippedChain();
    await expect(append(logUnder(ringA), 1)).rejects.toMatchObject({ name: 'AuditError', code: 'AUDIT_CHAIN_UNAUTHENTICATED' });
    expect(await store.head('prac_1')).toMatchObject({ seq: 3 });
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toMatchObject({ ok: false, break: { reason: 'unkeyed_tail' } });
  });

  it('is not upgraded by a start while other chains are keyed: left alone and reported', async () => {
    const { store, start } = await strippedChain();
    await store.transaction((tx) => new AuditLog<MemoryAuditTx>({ store, clock: { now: () => 0 }, keys: ringA }).record(tx, { ...play(9), practiceId: null }));
    expect(await start(ringA)).toEqual([
      { chain: 'installation', outcome: 'current' },
      { chain: 'prac_1', outcome: 'unverified', fromKeyId: null, break: { seq: 3, reason: 'unkeyed_tail', id: 'evt_3' } },
    ]);
    expect(await store.head('prac_1')).toMatchObject({ seq: 3 });
  });

  it('refuses to link onto a tail whose tag is wrong or that is not the head row\'s event', async () => {
    const { store, logUnder, append } = install();
    await append(logUnder(ringA), 2);
    const rows = store.rawRows('prac_1');
    const mac = rows[1]!.mac!;
    rows[1]!.mac = mac.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await expect(append(logUnder(ringA), 1)).rejects.toMatchObject({ code: 'AUDIT_CHAIN_UNAUTHENTICATED' });
    rows[1]!.mac = mac;
    store.rawSetHead('prac_1', { seq: 2, hash: rows[0]!.hash });
    await expect(append(logUnder(ringA), 1)).rejects.toMatchObject({ code: 'AUDIT_CHAIN_UNAUTHENTICATED' });
    store.rawSetHead('prac_1', { seq: 2, hash: rows[1]!.hash });
    await append(logUnder(ringA), 1);
    expect(await verifyStoredChain(store, 'prac_1', ringA)).toMatchObject({ ok: true, count: 3, authenticated: true });
  });
});

describe('which chains verify walks (review finding: a head row at seq 0 or deleted hid a chain)', () => {
  it('walks every chain with events, whatever its head row says, and binds each to its practice', async () => {
    const { store, logUnder, append } = install();
    await append(logUnder(ringA), 2);
    store.rawSetHead('prac_1', { seq: 0, hash: '0'.repeat(64) });
    expect(await store.chainKeys()).toEqual(['prac_1']);
    expect((await verifyStore(store, ringA)).chains).toEqual([
      {
        chain: 'prac_1',
        result: {
          ok: false,
          break: { seq: 2, reason: 'head_mismatch' },
          verifiedCount: 2,
          keySegments: [{ keyId: ringA.current.id, fromSeq: 1, fromId: 'evt_1', toSeq: 2, checkpoint: false }],
        },
      },
    ]);
    store.rawDeleteHead('prac_1');
    expect((await verifyStore(store, ringA)).ok).toBe(false);
    // A genuine chain copied under another practice's key is not that practice's chain.
    store.rawSetChain('prac_2', structuredClone(store.rawRows('prac_1')));
    expect((await verifyStore(store, ringA)).chains.find((c) => c.chain === 'prac_2')?.result).toMatchObject({ ok: false, break: { seq: 1, reason: 'wrong_chain' } });
  });
});

describe('after a master key rotation', () => {
  const ringB = auditKeyring(masterB, [masterA]);
  const ringBOnly = auditKeyring(masterB);

  it('checkpoints each chain onto the new key, so it verifies once the retired key is destroyed', async () => {
    const { store, logUnder, append, clock } = install();
    await append(logUnder(ringA), 3);
    const outcomes = await checkpointChains({ store, keys: ringB, transaction: (fn) => store.transaction(fn), clock, newId: () => 'evt_cp' });
    expect(outcomes).toEqual([{ chain: 'prac_1', outcome: 'checkpointed', seq: 4, fromKeyId: ringA.current.id }]);
    const [cp] = await store.readRange('prac_1', { fromSeq: 4 });
    expect(cp).toMatchObject({
      action: 'audit.key_checkpoint',
      actor: { type: 'system', id: 'audit' },
      keyId: ringB.current.id,
      details: { fromKeyId: ringA.current.id, toKeyId: ringB.current.id, verifiedThroughSeq: 3 },
    });
    await append(logUnder(ringB), 2);
    expect(await verifyStoredChain(store, 'prac_1', ringBOnly)).toMatchObject({
      ok: true,
      count: 6,
      keyedFrom: { seq: 1 },
      headKeyId: ringB.current.id,
      // Each range under its own key: seq 1-3 stay tagged under A, the checkpoint and after under B.
      keySegments: [
        { keyId: ringA.current.id, fromSeq: 1, fromId: 'evt_1', toSeq: 3, checkpoint: false },
        { keyId: ringB.current.id, fromSeq: 4, fromId: 'evt_cp', toSeq: 6, checkpoint: true },
      ],
      authenticated: true,
    });
    expect(await checkpointChains({ store, keys: ringB, transaction: (fn) => store.transaction(fn), clock })).toEqual([{ chain: 'prac_1', outcome: 'current' }]);
  });

  it('refuses to move on a chain whose old segment was forged, and verify refuses a key change without the checkpoint', async () => {
    const { store, logUnder, append, forge, clock } = install();
    await append(logUnder(ringA), 3);
    const rows = store.rawRows('prac_1');
    rows[0]!.details = { box: 'vmb_4' };
    rebuild(rows, 0, null, store);
    const outcomes = await checkpointChains({ store, keys: ringB, transaction: (fn) => store.transaction(fn), clock });
    expect(outcomes).toEqual([{ chain: 'prac_1', outcome: 'unverified', fromKeyId: ringA.current.id, break: { seq: 1, reason: 'mac_mismatch', id: 'evt_1' } }]);
    expect(await store.head('prac_1')).toMatchObject({ seq: 3 });
    // Sotto does not link onto it (its tail is under a key the new ring lacks) ...
    await expect(append(logUnder(ringBOnly), 1)).rejects.toMatchObject({ code: 'AUDIT_KEY_SUPERSEDED' });
    // ... and events under the new key written straight onto the unverified segment do not vouch for it.
    await forge(ringBOnly);
    expect(await verifyStoredChain(store, 'prac_1', ringBOnly)).toMatchObject({ ok: false, break: { seq: 4, reason: 'key_change_unverified' } });
  });

  it('refuses events under the retired key after the new one (a stolen old key file)', async () => {
    const { store, logUnder, append, forge, clock } = install();
    await append(logUnder(ringA), 2);
    await checkpointChains({ store, keys: ringB, transaction: (fn) => store.transaction(fn), clock, newId: () => 'evt_cp' });
    await forge(ringA);
    // The break names both keys of the events before it: the rotation's checkpoint verified, under the new one.
    expect(await verifyStoredChain(store, 'prac_1', ringB)).toEqual({
      ok: false,
      break: { seq: 4, reason: 'stale_key', id: 'evt_3' },
      verifiedCount: 3,
      keySegments: [
        { keyId: ringA.current.id, fromSeq: 1, fromId: 'evt_1', toSeq: 2, checkpoint: false },
        { keyId: ringB.current.id, fromSeq: 3, fromId: 'evt_cp', toSeq: 3, checkpoint: true },
      ],
    });
  });
});

describe('a keyed export', () => {
  it('is checked tag by tag with the key, and as a SHA-256 chain without it', async () => {
    const { store, logUnder, append, start } = install();
    await append(logUnder(null), 2);
    await start(ringA);
    await append(logUnder(ringA), 3);
    const lines: string[] = [];
    for await (const l of exportChain(store, 'prac_1', { practiceId: 'prac_1', exportedAt: '2026-02-01T00:00:00.000Z' })) lines.push(l);
    expect(await verifyExport(lines, { keys: ringA })).toMatchObject({ ok: true, count: 6, keyedFrom: { seq: 3 }, authenticated: true });
    expect(await verifyExport(lines)).toMatchObject({ ok: true, count: 6, keyedFrom: { seq: 3 }, authenticated: false });

    const events = lines.slice(1, -1).map((l) => JSON.parse(l).event as AuditEvent);
    events[3]!.outcome = 'failure';
    rebuild(events, 3);
    const forged = [lines[0]!, ...events.map((e) => JSON.stringify({ kind: 'event', event: e })), JSON.stringify({ kind: 'end', count: 6, head: { seq: 6, hash: events[5]!.hash } })];
    expect(await verifyExport(forged, { keys: ringA })).toMatchObject({ ok: false, error: { code: 'EXPORT_CHAIN_BROKEN', break: { seq: 4, reason: 'mac_mismatch' } } });
  });

  it('made before a rotation, still reads once the key that tagged it is gone: intact, not authenticated', async () => {
    const { store, logUnder, append } = install();
    await append(logUnder(ringA), 3);
    const lines: string[] = [];
    for await (const l of exportChain(store, 'prac_1', { practiceId: 'prac_1', exportedAt: '2026-02-01T00:00:00.000Z' })) lines.push(l);
    expect(await verifyExport(lines, { keys: auditKeyring(masterB) })).toMatchObject({ ok: true, count: 3, headKeyId: ringA.current.id, authenticated: false });
  });
});
