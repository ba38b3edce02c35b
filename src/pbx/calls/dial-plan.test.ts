import { describe, expect, it } from 'vitest';
import { classifyDialled, MAILBOX_FEATURE_CODE } from './dial-plan.ts';

describe('classifyDialled', () => {
  it('sends *97 to the mailbox menu for any box, and one\'s own extension to one\'s own box', () => {
    expect(classifyDialled(MAILBOX_FEATURE_CODE, '101')).toEqual({ kind: 'mailbox', own: false });
    expect(classifyDialled('101', '101')).toEqual({ kind: 'mailbox', own: true });
  });

  it('rings every other number as an extension', () => {
    expect(classifyDialled('102', '101')).toEqual({ kind: 'extension', extension: '102' });
    expect(classifyDialled('*98', '101')).toEqual({ kind: 'extension', extension: '*98' });
  });
});
