import { describe, expect, it } from 'vitest';
import { normalizeTranscript } from './normalize.ts';

describe('normalizeTranscript', () => {
  it.each([
    ['call me at five five five zero one two three', 'call me at 555-0123'],
    ['five five five oh one two three', '555-0123'],
    ['nine one nine five five five one two one two', '919-555-1212'],
    ['one eight hundred', 'one eight hundred'],
    ['my member id is one two three four five six seven eight', 'my member id is 12345678'],
    ['two thirty p m', '2:30 PM'],
    ['ten a m on tuesday', '10 AM on Tuesday'],
    ["at eleven o'clock", 'at 11:00'],
    ['at nine oh five', 'at 9:05'],
    ['at nine fifteen', 'at 9:15'],
    ['my date of birth is march fourth nineteen sixty two', 'my date of birth is March 4, 1962'],
    ['june twenty third', 'June 23'],
    ['april first two thousand five', 'April 1, 2005'],
    ['a bill for one hundred fifty dollars', 'a bill for $150'],
    ['twenty dollars and fifty cents', '$20.50'],
    ['metformin five hundred milligrams', 'metformin 500 mg'],
    ["i'm out of my lisinopril", "I'm out of my lisinopril"],
  ])('%s -> %s', (spoken, written) => {
    expect(normalizeTranscript(spoken)).toBe(written);
  });

  it('leaves a lone number word and "may" as a verb alone', () => {
    expect(normalizeTranscript('i need one refill and may need two')).toBe('I need one refill and may need two');
  });
});
