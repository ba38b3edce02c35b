// DTMF keys: their RFC 4733 event codes (§3.2, Table 3) and their tone pairs
// (ITU-T Q.23: one row frequency plus one column frequency).

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

const DIGITS: readonly DtmfDigit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

/** RFC 4733 §3.2: 0-9 are events 0-9, * is 10, # is 11, A-D are 12-15. */
export function digitToEvent(digit: DtmfDigit): number {
  return DIGITS.indexOf(digit);
}

/** The key for an event code, or undefined for flash (16) and non-DTMF events. */
export function eventToDigit(event: number): DtmfDigit | undefined {
  return DIGITS[event];
}

export function isDtmfDigit(s: string): s is DtmfDigit {
  return (DIGITS as readonly string[]).includes(s);
}

export const DTMF_ROW_HZ = [697, 770, 852, 941] as const;
export const DTMF_COLUMN_HZ = [1209, 1336, 1477, 1633] as const;

const KEYPAD: readonly (readonly DtmfDigit[])[] = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

export function digitFrequencies(digit: DtmfDigit): readonly [row: number, column: number] {
  for (let r = 0; r < 4; r++) {
    const c = KEYPAD[r]!.indexOf(digit);
    if (c >= 0) return [DTMF_ROW_HZ[r]!, DTMF_COLUMN_HZ[c]!];
  }
  throw new Error(`not a DTMF digit: ${digit}`);
}

export function keyAt(row: number, column: number): DtmfDigit {
  return KEYPAD[row]![column]!;
}
