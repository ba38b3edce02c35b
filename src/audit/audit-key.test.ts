// Golden vectors for the audit key, computed apart from Node (Python's hmac
// and hashlib, HKDF written out per RFC 5869), so an auditor's own tool and
// Sotto agree on what a tag is.
import { describe, expect, it } from 'vitest';
import { auditKeyring, deriveAuditKey, macMatches, macOf } from './audit-key.ts';

const master = Buffer.alloc(32, 0xa1);
const hash = '18b16fc7bb7080091660409fc17c893fc845646c636dbd436c7471d6ade0e19d'; // SHA-256("sotto")

describe('audit key', () => {
  it('derives HKDF-SHA-256(master, salt "sotto-audit", info "sotto audit chain v1") and names it without revealing it', () => {
    const key = deriveAuditKey(master);
    expect(key.id).toBe('ak_5608290b3b74123b');
    expect(macOf(key, hash)).toBe('e6d9490b03521a5d0ec8891d58a304cd0345ba1d080a7b1e4ae9868858baa222');
  });

  it('checks tags in constant time and refuses any other', () => {
    const key = deriveAuditKey(master);
    expect(macMatches(key, hash, macOf(key, hash))).toBe(true);
    expect(macMatches(key, hash, 'e6d9490b03521a5d0ec8891d58a304cd0345ba1d080a7b1e4ae9868858baa223')).toBe(false);
    expect(macMatches(deriveAuditKey(Buffer.alloc(32, 1)), hash, macOf(key, hash))).toBe(false);
  });

  it('keeps retired keys apart from the current one', () => {
    const ring = auditKeyring(Buffer.alloc(32, 2), [master, Buffer.alloc(32, 2)]);
    expect(ring.retired.map((k) => k.id)).toEqual(['ak_5608290b3b74123b']);
  });
});
