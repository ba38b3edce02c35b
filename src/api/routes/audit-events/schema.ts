import { Type } from '@sinclair/typebox';
import { Timestamp } from '../../timestamp.ts';
import { PageLimit } from '../common.ts';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

export const AuditEventQuery = Type.Object(
  {
    actor: Type.Optional(Id),
    action: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*){1,3}$' })),
    objectType: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' })),
    object: Type.Optional(Id),
    from: Type.Optional(Timestamp('Inclusive')),
    to: Type.Optional(Timestamp('Exclusive')),
    before: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$', description: 'Page cursor: nextBefore of the previous page' })),
    limit: Type.Optional(PageLimit),
  },
  { additionalProperties: false },
);

export const AuditEventView = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ type: Type.String(), id: Type.String() }),
  action: Type.String(),
  object: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
  sourceIp: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  prominent: Type.Boolean({ description: 'Break-glass: show it at the top, in red' }),
  breakGlassReason: Type.Union([Type.String(), Type.Null()]),
  hash: Type.String(),
  prevHash: Type.String(),
});

export const AuditEventPageView = Type.Object({
  items: Type.Array(AuditEventView),
  nextBefore: Type.Union([Type.String(), Type.Null()]),
});

export const ChainStatusView = Type.Object({
  ok: Type.Boolean({ description: 'Every event re-hashes to its stored hash, links to the one before, carries a valid tag under the audit key, and the last is the recorded head' }),
  checkedAt: Type.String({ format: 'date-time' }),
  verifiedCount: Type.Integer({ description: 'Events checked before the first break (all of them when ok)' }),
  head: Type.Union([Type.Object({ seq: Type.Integer(), hash: Type.String() }), Type.Null()], { description: 'The last event checked, when ok' }),
  keyedFrom: Type.Union([Type.Object({ seq: Type.Integer(), id: Type.String() }), Type.Null()], {
    description: 'The first event tagged under an audit key (events before it predate keyed chains); null when none is, or when not ok',
  }),
  authenticated: Type.Boolean({ description: "A valid tag under the install's audit key covers the whole chain (false for a chain written entirely before keying)" }),
  keySegments: Type.Array(
    Type.Object({
      keyId: Type.String({ description: 'The audit key (ak_…) that tags every event of the range' }),
      fromSeq: Type.Integer(),
      fromId: Type.String({ description: "The range's first event: after a rotation, the re-keying checkpoint" }),
      toSeq: Type.Integer(),
      checkpoint: Type.Boolean({ description: "The first event is Sotto's re-keying checkpoint from the key before" }),
    }),
    {
      description:
        'Which audit key tags which range of events, one entry per key in chain order (after `sotto keys rotate`: the events before under the old key, the checkpoint and what follows under the new one); empty when no event is keyed; when not ok, the events checked before the break',
    },
  ),
  break: Type.Union([
    Type.Object({
      seq: Type.Integer(),
      reason: Type.String({
        description:
          'malformed, wrong_chain, missing_events, out_of_order, prev_hash_mismatch, hash_mismatch, truncated, head_mismatch, mac_mismatch, unkeyed_after_keyed, stale_key, key_change_unverified, unauthenticated_tail, unkeyed_tail',
      }),
      id: Type.Optional(Type.String({ description: 'The offending event, when a readable one is at fault' })),
    }),
    Type.Null(),
  ]),
});

export const AuditExportQuery = Type.Object(
  {
    from: Type.Optional(Timestamp('Inclusive: the first event exported is the first at or after this time')),
    to: Type.Optional(Timestamp('Exclusive')),
  },
  { additionalProperties: false },
);

/** Documented per media type, as `sotto audit export` writes it (README: Audit log). */
export const AuditExportResponse = Type.Unsafe<string>({
  description: 'The audit log as JSON Lines (format sotto-audit-export, version 2): a header, one line per event, an end line',
  content: {
    'application/jsonl': {
      schema: { type: 'string', description: 'One canonical JSON object per line; verify with `sotto audit verify --file EXPORT.jsonl`' },
    },
  },
});
