import type { Static } from '@sinclair/typebox';
import { isBreakGlassAction, type AuditEvent, type ChainVerification } from '../../../audit/index.ts';
import type { AuditEventView, ChainStatusView } from './schema.ts';

export function presentAuditEvent(e: AuditEvent, reasons: Map<string, string>): Static<typeof AuditEventView> {
  const grantId = typeof e.details['grantId'] === 'string' ? e.details['grantId'] : null;
  return {
    seq: e.seq,
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    object: e.object,
    sourceIp: e.sourceIp,
    outcome: e.outcome,
    details: e.details,
    prominent: isBreakGlassAction(e.action),
    breakGlassReason: isBreakGlassAction(e.action) && grantId !== null ? (reasons.get(grantId) ?? null) : null,
    hash: e.hash,
    prevHash: e.prevHash,
  };
}

export function presentChainStatus(v: ChainVerification, checkedAt: Date): Static<typeof ChainStatusView> {
  const keySegments = v.keySegments.map((g) => ({ keyId: g.keyId, fromSeq: g.fromSeq, fromId: g.fromId, toSeq: g.toSeq, checkpoint: g.checkpoint }));
  if (v.ok) {
    return { ok: true, checkedAt: checkedAt.toISOString(), verifiedCount: v.count, head: { ...v.head }, keyedFrom: v.keyedFrom, authenticated: v.authenticated, keySegments, break: null };
  }
  return { ok: false, checkedAt: checkedAt.toISOString(), verifiedCount: v.verifiedCount, head: null, keyedFrom: null, authenticated: false, keySegments, break: { ...v.break } };
}
