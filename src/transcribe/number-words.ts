// Spoken English numbers, both ways: the corpus generator says numbers the
// way callers do, and the output normaliser turns the recogniser's words
// back into digits. Keeping both directions in one file keeps them in step.

export const DIGIT_WORDS: readonly string[] = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
];
const TEENS: readonly string[] = [
  'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen',
  'eighteen', 'nineteen',
];
const TENS: readonly string[] = [
  '', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety',
];
const ORDINAL_ONES: readonly string[] = [
  '', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth',
];
const ORDINAL_TEENS: readonly string[] = [
  'tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth',
  'seventeenth', 'eighteenth', 'nineteenth',
];
export const MONTHS: readonly string[] = [
  'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september',
  'october', 'november', 'december',
];

/** 0..99 as words: 42 -> "forty two". */
export function sayUnder100(n: number): string {
  if (n < 10) return DIGIT_WORDS[n]!;
  if (n < 20) return TEENS[n - 10]!;
  const t = TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? t : `${t} ${DIGIT_WORDS[n % 10]!}`;
}

/** 0..9999 as a cardinal: 1250 -> "one thousand two hundred fifty". */
export function sayCardinal(n: number): string {
  if (n < 100) return sayUnder100(n);
  const parts: string[] = [];
  if (n >= 1000) parts.push(`${sayUnder100(Math.floor(n / 1000))} thousand`);
  const h = Math.floor((n % 1000) / 100);
  if (h > 0) parts.push(`${DIGIT_WORDS[h]!} hundred`);
  if (n % 100 > 0) parts.push(sayUnder100(n % 100));
  return parts.join(' ');
}

/** 1..31 as an ordinal: 23 -> "twenty third". */
export function sayOrdinal(n: number): string {
  if (n < 10) return ORDINAL_ONES[n]!;
  if (n < 20) return ORDINAL_TEENS[n - 10]!;
  const t = TENS[Math.floor(n / 10)]!;
  if (n % 10 === 0) return `${t.slice(0, -1)}ieth`;
  return `${t} ${ORDINAL_ONES[n % 10]!}`;
}

/** A year the way people say it: 1962 -> "nineteen sixty two", 2005 -> "two thousand five". */
export function sayYear(y: number): string {
  if (y >= 2000 && y < 2010) return y === 2000 ? 'two thousand' : `two thousand ${DIGIT_WORDS[y - 2000]!}`;
  const hi = Math.floor(y / 100);
  const lo = y % 100;
  if (lo === 0) return `${sayUnder100(hi)} hundred`;
  return `${sayUnder100(hi)} ${lo < 10 ? `oh ${DIGIT_WORDS[lo]!}` : sayUnder100(lo)}`;
}

/** Word -> digit value for digit-by-digit reading; "oh" is zero. */
export function digitValue(word: string): number | undefined {
  if (word === 'oh' || word === 'o') return 0;
  const i = DIGIT_WORDS.indexOf(word);
  return i >= 0 ? i : undefined;
}

export function teenValue(word: string): number | undefined {
  const i = TEENS.indexOf(word);
  return i >= 0 ? 10 + i : undefined;
}

export function tensValue(word: string): number | undefined {
  const i = TENS.indexOf(word);
  return i >= 2 ? i * 10 : undefined;
}

/** "first".."ninth", "tenth".."nineteenth", "twentieth", "thirtieth" -> value. */
export function ordinalValue(word: string): number | undefined {
  let i = ORDINAL_ONES.indexOf(word);
  if (i > 0) return i;
  i = ORDINAL_TEENS.indexOf(word);
  if (i >= 0) return 10 + i;
  if (word === 'twentieth') return 20;
  if (word === 'thirtieth') return 30;
  return undefined;
}

export function monthValue(word: string): number | undefined {
  const i = MONTHS.indexOf(word);
  return i >= 0 ? i + 1 : undefined;
}
