import { describe, expect, it } from 'vitest';
import { hasStrayControl } from './control-scan.ts';

/** The same question asked of the decoded text, the way the parser used to. */
function byRegex(text: string): boolean {
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/.test(text);
}

describe('hasStrayControl', () => {
  const clean = 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nSubject:\tlunch\r\nTo: "Dr. \u00e9" <sip:a@b>';
  const cases: Array<[string, string]> = [
    ['clean', clean],
    ['NUL', clean + '\x00'],
    ['DEL', 'a\x7fb' + clean],
    ['bare CR', clean.replace('\tlunch', '\tlu\rnch')],
    ['bare LF', clean.replace('\tlunch', '\tlu\nnch')],
    ['CR at the end', clean + '\r'],
    ['LF at the start', '\n' + clean],
    ['vertical tab', clean.replace('lunch', 'lu\x0bnch')],
    ['escape', clean + '\x1b[0m'],
  ];
  // Every alignment of the block within its buffer, and a block that starts and ends inside a larger one.
  for (const [name, text] of cases) {
    it(`agrees with the character-wise check: ${name}`, () => {
      const bytes = Buffer.from(text, 'utf8');
      for (let pad = 0; pad < 8; pad++) {
        const holder = Buffer.alloc(bytes.length + pad + 5, 0x00);
        bytes.copy(holder, pad);
        expect(hasStrayControl(holder, pad, pad + bytes.length)).toBe(byRegex(text));
      }
    });
  }

  it('looks only inside the range', () => {
    const bytes = Buffer.from('\x00abc\r\ndef\x7f');
    expect(hasStrayControl(bytes, 1, 9)).toBe(false);
    expect(hasStrayControl(bytes, 1, 5)).toBe(true); // the CR's LF lies outside
  });
});
