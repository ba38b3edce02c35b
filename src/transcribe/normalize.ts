// Output normalisation: the recogniser writes what it heard as words; people
// act on digits. Callback numbers read digit by digit become "555-0123",
// clock times "2:30 PM", dates "March 4, 1962", amounts "$120" and doses
// "500 mg". Conservative on purpose: a rule fires only on a shape that is
// unambiguous in a voicemail, and anything else is left as spoken.

import { WEEKDAYS } from './data/lexicon.ts';
import { digitValue, monthValue, ordinalValue, teenValue, tensValue } from './number-words.ts';

type Rule = (w: readonly string[], i: number) => { text: string; next: number } | undefined;

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A cardinal 0..9999 starting at i ("one hundred twenty five"). */
export function parseCardinal(w: readonly string[], i: number): { value: number; next: number } | undefined {
  let j = i;
  let value = 0;
  let any = false;
  const under100 = (): number | undefined => {
    const t = tensValue(w[j] ?? '');
    if (t !== undefined) {
      j++;
      const d = digitValue(w[j] ?? '');
      if (d !== undefined && d > 0 && w[j] !== 'oh') { j++; return t + d; }
      return t;
    }
    const teen = teenValue(w[j] ?? '');
    if (teen !== undefined) { j++; return teen; }
    const d = w[j] === 'oh' ? undefined : digitValue(w[j] ?? '');
    if (d !== undefined) { j++; return d; }
    return undefined;
  };
  let head = under100();
  if (head === undefined) return undefined;
  any = true;
  if (w[j] === 'thousand') { value += head * 1000; j++; head = under100() ?? 0; }
  if (w[j] === 'hundred' && head > 0 && head < 10) {
    value += head * 100; j++;
    if (w[j] === 'and') j++;
    head = under100() ?? 0;
  }
  value += head;
  return any ? { value, next: j } : undefined;
}

/** Digits read one by one: 7 -> 555-0123, 10 -> 555-123-4567, 11 with a leading 1, else run together. */
const digitRun: Rule = (w, i) => {
  let j = i;
  let digits = '';
  let real = 0;
  while (j < w.length) {
    const d = digitValue(w[j]!);
    if (d === undefined) break;
    if (w[j] !== 'oh') real++;
    digits += String(d);
    j++;
  }
  if (digits.length < 3 || real < 2) return undefined;
  // "five five five one two one two twenty": a trailing "twenty" is not a digit read aloud.
  let text: string;
  if (digits.length === 7) text = `${digits.slice(0, 3)}-${digits.slice(3)}`;
  else if (digits.length === 10) text = `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`;
  else if (digits.length === 11 && digits.startsWith('1')) text = `1-${digits.slice(1, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`;
  else text = digits;
  return { text, next: j };
};

function hourValue(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const d = digitValue(word);
  if (d !== undefined && d > 0 && word !== 'oh') return d;
  if (word === 'ten' || word === 'eleven' || word === 'twelve') return teenValue(word);
  return undefined;
}

function minuteValue(w: readonly string[], j: number): { value: number; next: number } | undefined {
  if (w[j] === 'oh') {
    const d = digitValue(w[j + 1] ?? '');
    return d !== undefined && w[j + 1] !== 'oh' && d > 0 ? { value: d, next: j + 2 } : undefined;
  }
  const t = tensValue(w[j] ?? '');
  if (t !== undefined && t <= 50) {
    const d = digitValue(w[j + 1] ?? '');
    if (d !== undefined && d > 0 && w[j + 1] !== 'oh') return { value: t + d, next: j + 2 };
    return { value: t, next: j + 1 };
  }
  const teen = teenValue(w[j] ?? '');
  if (teen !== undefined) return { value: teen, next: j + 1 };
  return undefined;
}

function meridiem(w: readonly string[], j: number): { text: string; next: number } | undefined {
  if (w[j] === 'a' && w[j + 1] === 'm') return { text: 'AM', next: j + 2 };
  if (w[j] === 'p' && w[j + 1] === 'm') return { text: 'PM', next: j + 2 };
  if (w[j] === 'a.m.') return { text: 'AM', next: j + 1 };
  if (w[j] === 'p.m.') return { text: 'PM', next: j + 1 };
  return undefined;
}

const TIME_LEADS = new Set(['at', 'around', 'after', 'before', 'by', 'until', 'til', 'till', 'from', 'about']);

/** "two thirty p m" -> "2:30 PM"; "ten a m" -> "10 AM"; "ten o'clock" -> "10:00"; "at nine fifteen" -> "at 9:15". */
const clockTime: Rule = (w, i) => {
  const h = hourValue(w[i]);
  if (h === undefined) return undefined;
  if (w[i + 1] === "o'clock") {
    const m = meridiem(w, i + 2);
    return { text: `${h}:00${m ? ` ${m.text}` : ''}`, next: m ? m.next : i + 2 };
  }
  const mm = minuteValue(w, i + 1);
  const after = mm ? mm.next : i + 1;
  const m = meridiem(w, after);
  if (mm && mm.value < 60 && (m || TIME_LEADS.has(w[i - 1] ?? ''))) {
    return { text: `${h}:${String(mm.value).padStart(2, '0')}${m ? ` ${m.text}` : ''}`, next: m ? m.next : after };
  }
  if (!mm && m) return { text: `${h} ${m.text}`, next: m.next };
  return undefined;
};

/** "nineteen sixty two" -> 1962, "two thousand five" -> 2005, "twenty twenty four" -> 2024. */
function parseYear(w: readonly string[], j: number): { value: number; next: number } | undefined {
  if (w[j] === 'two' && w[j + 1] === 'thousand') {
    const rest = parseCardinal(w, j + 2);
    if (rest && rest.value < 100) return { value: 2000 + rest.value, next: rest.next };
    return { value: 2000, next: j + 2 };
  }
  const hi = teenValue(w[j] ?? '') ?? (w[j] === 'twenty' ? 20 : undefined);
  if (hi === undefined || hi < 18) return undefined;
  if (w[j + 1] === 'oh') {
    const d = digitValue(w[j + 2] ?? '');
    return d !== undefined && w[j + 2] !== 'oh' ? { value: hi * 100 + d, next: j + 3 } : undefined;
  }
  const lo = w[j + 1] === 'hundred' ? { value: 0, next: j + 2 } : parseCardinal(w, j + 1);
  if (!lo || (lo.value < 10 && w[j + 1] !== 'hundred') || lo.value > 99) return undefined;
  return { value: hi * 100 + lo.value, next: lo.next };
}

/** "march fourth" -> "March 4"; with a year -> "March 4, 1962". */
const monthDate: Rule = (w, i) => {
  const month = monthValue(w[i] ?? '');
  if (month === undefined) return undefined;
  let j = i + 1;
  if (w[j] === 'the') j++;
  let day: number | undefined;
  const tens = w[j] === 'twenty' ? 20 : w[j] === 'thirty' ? 30 : 0;
  if (tens > 0 && ordinalValue(w[j + 1] ?? '') !== undefined && ordinalValue(w[j + 1]!)! < 10) {
    day = tens + ordinalValue(w[j + 1]!)!;
    j += 2;
  } else if (ordinalValue(w[j] ?? '') !== undefined) {
    day = ordinalValue(w[j]!)!;
    j++;
  }
  if (day === undefined || day > 31) return undefined;
  const year = parseYear(w, j);
  const name = cap(w[i]!);
  return year ? { text: `${name} ${day}, ${year.value}`, next: year.next } : { text: `${name} ${day}`, next: j };
};

/** "one hundred twenty dollars" -> "$120"; "five hundred milligrams" -> "500 mg". */
const quantity: Rule = (w, i) => {
  const n = parseCardinal(w, i);
  if (!n) return undefined;
  const unit = w[n.next];
  if (unit === 'dollars' || unit === 'dollar') {
    if (w[n.next + 1] === 'and') {
      const c = parseCardinal(w, n.next + 2);
      if (c && (w[c.next] === 'cents' || w[c.next] === 'cent') && c.value < 100) {
        return { text: `$${n.value}.${String(c.value).padStart(2, '0')}`, next: c.next + 1 };
      }
    }
    return { text: `$${n.value}`, next: n.next + 1 };
  }
  if (unit === 'milligrams' || unit === 'milligram') return { text: `${n.value} mg`, next: n.next + 1 };
  return undefined;
};

const RULES: readonly Rule[] = [monthDate, clockTime, quantity, digitRun];
const WEEKDAY_SET = new Set(WEEKDAYS);

function wordCase(word: string): string {
  if (word === 'i' || word.startsWith("i'")) return `I${word.slice(1)}`;
  if (WEEKDAY_SET.has(word)) return cap(word);
  return word;
}

/** Normalises a lowercase, space-separated transcript. */
export function normalizeTranscript(raw: string): string {
  const w = raw.trim().split(/\s+/).filter((x) => x !== '');
  const out: string[] = [];
  let i = 0;
  while (i < w.length) {
    let hit: { text: string; next: number } | undefined;
    for (const rule of RULES) {
      hit = rule(w, i);
      if (hit) break;
    }
    if (hit) {
      out.push(hit.text);
      i = hit.next;
    } else {
      out.push(wordCase(w[i]!));
      i++;
    }
  }
  return out.join(' ');
}
