// A sample audited access for the audit log's unit tests: user usr_7 played
// voicemail vm_<i> (ids only, as every real event carries).
import type { AuditEventInput } from './event.ts';

export function playEvent(i: number, practiceId = 'prac_1'): AuditEventInput {
  return {
    practiceId,
    actor: { type: 'user', id: 'usr_7' },
    action: 'voicemail.play',
    object: { type: 'voicemail', id: `vm_${i}` },
    sourceIp: '192.0.2.10',
    outcome: 'success',
    details: { box: 'vmb_3' },
  };
}
