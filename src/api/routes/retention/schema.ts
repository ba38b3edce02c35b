import { Type } from '@sinclair/typebox';
import { Timestamp } from '../../timestamp.ts';
import { PageLimit } from '../common.ts';
import { HOLD_REFERENCE_PATTERN } from '../../../vault/index.ts';

const Kind = Type.String({ description: 'Artifact kind: voicemail, transcript, fax, text, call_recording, meeting_recording, audit_log' });
const Days = Type.Union([Type.Integer(), Type.Null()]);

export const RetentionStatusView = Type.Object({
  days: Type.Object(
    { voicemail: Days, fax: Days, text: Days, transcript: Days, call_recording: Days, meeting_recording: Days, audit_log: Days },
    { description: 'Days each kind is kept, from the practice policy' },
  ),
  stored: Type.Array(Type.Object({ kind: Kind, count: Type.Integer(), held: Type.Integer(), nextDeadline: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) })),
  userHolds: Type.Integer(),
  lastPurgeAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const ReceiptsQuery = Type.Object(
  {
    since: Type.Optional(Timestamp('Receipts of deletions at or after this time')),
    limit: Type.Optional(PageLimit),
  },
  { additionalProperties: false },
);

export const ReceiptsView = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      objectId: Type.String(),
      kind: Kind,
      deletedAt: Type.String({ format: 'date-time' }),
      reason: Type.String({ description: 'retention_expired, requested (a delete) or aborted (a recording never finished)' }),
      method: Type.String({ description: 'crypto_shred: content key destroyed, file removed' }),
    }),
  ),
});

export const LegalHoldsView = Type.Object({
  users: Type.Array(Type.Object({ userId: Type.String(), reference: Type.String(), placedAt: Type.String({ format: 'date-time' }) })),
  voicemails: Type.Array(Type.Object({ id: Type.String(), boxId: Type.String() })),
  objects: Type.Array(Type.Object({ id: Type.String(), kind: Kind })),
});


export const HoldBody = Type.Object(
  { reference: Type.String({ minLength: 1, maxLength: 64, pattern: HOLD_REFERENCE_PATTERN, description: 'Case or ticket id: letters, digits and . _ # -, at least one letter, no spaces; recorded in the audit log' }) },
  { additionalProperties: false },
);

export const HoldResult = Type.Object({ held: Type.Boolean(), changed: Type.Boolean({ description: 'false: it was already so; nothing was recorded' }) });
