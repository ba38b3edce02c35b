// Which form field an API refusal belongs to: the portal shows its words
// next to that field (aria-invalid, described by the problem) instead of the
// API's sentence at the top of the page.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../web/src/api.ts';
import { problemAttributes, refusedField } from '../../web/src/field-errors.ts';

describe('refusedField', () => {
  it('reads a schema failure\'s issue path and a directory rule\'s field alike, as dotted names', () => {
    const schema = new ApiError(400, 'VALIDATION_FAILED', 'invalid request body: body/label must be one line of text', {
      issues: [{ path: 'body/label', rule: 'pattern', message: 'must be one line of text' }],
    });
    expect(refusedField(schema)).toBe('label');
    const nested = new ApiError(400, 'VALIDATION_FAILED', 'x', { issues: [{ path: 'body/retention/auditDays', rule: 'minimum', message: 'x' }] });
    expect(refusedField(nested)).toBe('retention.auditDays');
    expect(refusedField(new ApiError(409, 'SIP_USERNAME_TAKEN', 'this SIP username is already in use', { field: 'sipUsername' }))).toBe('sipUsername');
  });

  it('names no field for a refusal of the path, one without details, or a network failure', () => {
    expect(refusedField(new ApiError(400, 'VALIDATION_FAILED', 'x', { issues: [{ path: 'params', rule: 'maxLength', message: 'x' }] }))).toBeNull();
    expect(refusedField(new ApiError(403, 'FORBIDDEN', 'not allowed'))).toBeNull();
    expect(refusedField(new TypeError('Failed to fetch'))).toBeNull();
  });
});

describe('problemAttributes', () => {
  it('marks the control invalid and described by its problem line, before its help', () => {
    expect(problemAttributes('device-label', 'Write the label as one line', 'device-label-help')).toEqual({ 'aria-invalid': true, 'aria-describedby': 'device-label-problem device-label-help' });
    expect(problemAttributes('device-label', null, 'device-label-help')).toEqual({ 'aria-invalid': undefined, 'aria-describedby': 'device-label-help' });
    expect(problemAttributes('retention-auditDays', undefined)).toEqual({ 'aria-invalid': undefined, 'aria-describedby': undefined });
  });
});
