// Practice-voicemail sentence generator: the text the domain language model
// is estimated from. Callers to a medical or dental office say a narrow set
// of things (who they are, a date of birth, a callback number read digit by
// digit, a medication, a day and time); a model trained on those shapes, with
// the names and drug names filled in, gives the decoder priors the general
// English model lacks. Output is deterministic for a seed so the model a
// practice builds is reproducible.

import {
  CONDITIONS, FIRST_NAMES, INSURERS, LAST_NAMES, MEDICATIONS, PHARMACIES, PROVIDERS,
  RELATIONS, RESULTS, VISITS, WEEKDAYS,
} from '../data/lexicon.ts';
import { DIGIT_WORDS, MONTHS, sayCardinal, sayOrdinal, sayUnder100, sayYear } from '../number-words.ts';

/** Small, fast, seedable PRNG (mulberry32); quality is ample for sampling templates. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function sayDigits(rng: Rng, digits: string): string {
  return [...digits].map((d) => (d === '0' && rng() < 0.3 ? 'oh' : DIGIT_WORDS[Number(d)]!)).join(' ');
}

function randomDigits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(rng() * 10));
  return s;
}

/** A callback number, read digit by digit, 7 or 10 digits. */
function sayPhone(rng: Rng): string {
  const local = `${rng() < 0.5 ? '555' : randomDigits(rng, 3)}${randomDigits(rng, 4)}`;
  return rng() < 0.5 ? sayDigits(rng, local) : `${sayDigits(rng, randomDigits(rng, 3))} ${sayDigits(rng, local)}`;
}

function sayClock(rng: Rng): string {
  const h = 1 + Math.floor(rng() * 12);
  const hour = sayUnder100(h);
  const ampm = pick(rng, ['a m', 'p m', 'in the morning', 'in the afternoon', '']);
  const m = pick(rng, [0, 0, 15, 30, 30, 45, 10, 20, 40, 50, 5]);
  let t: string;
  if (m === 0) t = rng() < 0.4 ? `${hour} o'clock` : hour;
  else if (m < 10) t = `${hour} oh ${DIGIT_WORDS[m]!}`;
  else t = `${hour} ${sayUnder100(m)}`;
  if (rng() < 0.08) t = pick(rng, [`quarter past ${hour}`, `half past ${hour}`, `quarter to ${hour}`, 'noon']);
  return ampm ? `${t} ${ampm}` : t;
}

function sayDay(rng: Rng): string {
  const r = rng();
  if (r < 0.35) return pick(rng, WEEKDAYS);
  if (r < 0.5) return `next ${pick(rng, WEEKDAYS)}`;
  if (r < 0.6) return pick(rng, ['today', 'tomorrow', 'this afternoon', 'this morning', 'next week', 'this week']);
  if (r < 0.8) return `${pick(rng, MONTHS)} ${sayOrdinal(1 + Math.floor(rng() * 31))}`;
  if (r < 0.9) return `${pick(rng, WEEKDAYS)} ${pick(rng, MONTHS)} ${sayOrdinal(1 + Math.floor(rng() * 31))}`;
  return `the ${sayOrdinal(1 + Math.floor(rng() * 31))}`;
}

function sayDob(rng: Rng): string {
  const year = 1930 + Math.floor(rng() * 90);
  const day = 1 + Math.floor(rng() * 28);
  const month = 1 + Math.floor(rng() * 12);
  if (rng() < 0.75) return `${MONTHS[month - 1]!} ${sayOrdinal(day)} ${sayYear(year)}`;
  return `${sayUnder100(month)} ${sayUnder100(day)} ${sayYear(year)}`;
}

function sayDose(rng: Rng): string {
  const mg = pick(rng, [5, 10, 20, 25, 40, 50, 100, 250, 500, 750, 1000, 81, 12, 75]);
  return `${sayCardinal(mg)} ${pick(rng, ['milligrams', 'milligram', 'milligrams'])}`;
}

function sayAmount(rng: Rng): string {
  const dollars = pick(rng, [20, 25, 30, 40, 45, 50, 75, 100, 120, 150, 200, 250, 300, 35, 60, 85]);
  const cents = rng() < 0.2 ? ` and ${sayUnder100(pick(rng, [10, 25, 50, 75, 99]))} cents` : '';
  return `${sayCardinal(dollars)} dollars${cents}`;
}

const name = (rng: Rng): string => (rng() < 0.75 ? `${pick(rng, FIRST_NAMES)} ${pick(rng, LAST_NAMES)}` : pick(rng, FIRST_NAMES));

/** Each template is a function of the RNG; the mix mirrors what offices hear most. */
const TEMPLATES: ReadonlyArray<(r: Rng) => string> = [
  (r) => `hi this is ${name(r)}`,
  (r) => `hello this is ${name(r)} calling`,
  (r) => `hi my name is ${name(r)}`,
  (r) => `hey it's ${pick(r, FIRST_NAMES)}`,
  (r) => `good morning this is ${name(r)} calling for ${pick(r, PROVIDERS)}`,
  (r) => `hi this is ${name(r)} calling from ${pick(r, PHARMACIES)}`,
  (r) => `this is ${name(r)} i'm a patient of ${pick(r, PROVIDERS)}`,
  (r) => `i'm calling about ${pick(r, RELATIONS)} ${name(r)}`,
  (r) => `my date of birth is ${sayDob(r)}`,
  (r) => `date of birth ${sayDob(r)}`,
  (r) => `her date of birth is ${sayDob(r)}`,
  (r) => `his birthday is ${sayDob(r)}`,
  (r) => `please call me back at ${sayPhone(r)}`,
  (r) => `you can reach me at ${sayPhone(r)}`,
  (r) => `my number is ${sayPhone(r)}`,
  (r) => `call me back at ${sayPhone(r)} thank you`,
  (r) => `again that's ${sayPhone(r)}`,
  (r) => `the best number to reach me is ${sayPhone(r)}`,
  (r) => `i need a refill on my ${pick(r, MEDICATIONS)}`,
  (r) => `i'm calling to get a refill of my ${pick(r, MEDICATIONS)} prescription`,
  (r) => `i need a refill of ${pick(r, MEDICATIONS)} ${sayDose(r)}`,
  (r) => `i'm out of my ${pick(r, MEDICATIONS)} and i need a new prescription`,
  (r) => `can you send the prescription for ${pick(r, MEDICATIONS)} to ${pick(r, PHARMACIES)}`,
  (r) => `i take ${pick(r, MEDICATIONS)} ${sayDose(r)} once a day`,
  (r) => `i take ${pick(r, MEDICATIONS)} twice a day`,
  (r) => `the pharmacy said they never got the prescription for ${pick(r, MEDICATIONS)}`,
  (r) => `i'm having side effects from the ${pick(r, MEDICATIONS)}`,
  (r) => `should i keep taking the ${pick(r, MEDICATIONS)}`,
  (r) => `${pick(r, PROVIDERS)} started me on ${pick(r, MEDICATIONS)} for my ${pick(r, ['blood pressure', 'cholesterol', 'diabetes', 'thyroid', 'asthma', 'depression', 'anxiety', 'pain', 'allergies'])}`,
  (r) => `i'm calling about my ${pick(r, RESULTS)}`,
  (r) => `i'm calling to get my ${pick(r, RESULTS)}`,
  (r) => `i had ${pick(r, VISITS)} on ${sayDay(r)} and i haven't heard about the results`,
  (r) => `can someone call me with my ${pick(r, RESULTS)}`,
  (r) => `i'd like to schedule ${pick(r, ['an', 'a', 'my'])} ${pick(r, VISITS)}`,
  (r) => `i need to make an appointment with ${pick(r, PROVIDERS)}`,
  (r) => `i need to reschedule my ${pick(r, VISITS)} on ${sayDay(r)}`,
  (r) => `i need to cancel my appointment on ${sayDay(r)} at ${sayClock(r)}`,
  (r) => `i have an appointment on ${sayDay(r)} at ${sayClock(r)}`,
  (r) => `i'm calling to confirm my appointment for ${sayDay(r)} at ${sayClock(r)}`,
  (r) => `is there anything available ${sayDay(r)}`,
  (r) => `i'm available ${sayDay(r)} after ${sayClock(r)}`,
  (r) => `i can come in ${sayDay(r)} morning or ${sayDay(r)} afternoon`,
  (r) => `i'm running about ${pick(r, ['five', 'ten', 'fifteen', 'twenty'])} minutes late`,
  (r) => `i've had ${pick(r, CONDITIONS)} for ${pick(r, ['two', 'three', 'a few', 'several'])} ${pick(r, ['days', 'weeks'])}`,
  (r) => `i think i have ${pick(r, CONDITIONS)}`,
  (r) => `${pick(r, RELATIONS)} has ${pick(r, CONDITIONS)}`,
  (r) => `i'm calling because of ${pick(r, CONDITIONS)}`,
  (r) => `i have ${pick(r, CONDITIONS)} and ${pick(r, CONDITIONS)}`,
  (r) => `i'm calling about my bill`,
  (r) => `i got a bill for ${sayAmount(r)} and i have a question about it`,
  (r) => `i'd like to pay my balance of ${sayAmount(r)}`,
  (r) => `my insurance is ${pick(r, INSURERS)}`,
  (r) => `i have new insurance ${pick(r, INSURERS)}`,
  (r) => `${pick(r, INSURERS)} denied the claim`,
  (r) => `my member id is ${sayDigits(r, randomDigits(r, 8))}`,
  (r) => `i need a referral to a ${pick(r, ['specialist', 'cardiologist', 'dermatologist', 'orthopedic surgeon', 'physical therapist', 'oral surgeon', 'orthodontist'])}`,
  (r) => `i need a copy of my records sent to ${pick(r, PROVIDERS)}`,
  (r) => `i need a note for ${pick(r, ['work', 'school'])}`,
  (r) => `thank you`,
  (r) => `thanks bye`,
  (r) => `thank you so much have a great day`,
  (r) => `please give me a call back when you get a chance`,
  (r) => `it's not urgent`,
  (r) => `it's kind of urgent`,
  (r) => `i'll be home all day`,
  (r) => `you can leave a message if i don't answer`,
  (r) => `please call back ${sayDay(r)} before ${sayClock(r)}`,
  (r) => `okay bye`,
  (r) => `sorry i missed your call`,
  (r) => `i was returning a call from ${pick(r, PROVIDERS)}`,
  (r) => `someone from your office called me ${sayDay(r)}`,
  (r) => `i would like to talk to ${pick(r, PROVIDERS)} about ${pick(r, RELATIONS)}`,
  (r) => `i was told to call back ${sayDay(r)}`,
  (r) => `i have been feeling ${pick(r, ['worse', 'better', 'sick', 'tired', 'dizzy'])} since ${sayDay(r)}`,
  (r) => `the ${pick(r, MEDICATIONS)} is not working`,
  (r) => `can you call in a new prescription for ${pick(r, MEDICATIONS)}`,
  (r) => `i would like to come in ${sayDay(r)} if possible`,
  (r) => `i will be out of town until ${sayDay(r)}`,
  (r) => `let me know if you need anything else`,
  (r) => `i just have a quick question`,
  (r) => `my ${pick(r, ['new', 'old'])} doctor needs a copy of my ${pick(r, ['records', 'x rays', 'lab results', 'chart'])}`,
  (r) => `i lost my ${pick(r, ['prescription', 'card', 'insurance card', 'medication'])}`,
];

/**
 * Callers say "i am" as often as "i'm"; TTS and people both vary. Spelling
 * out a share of contractions gives the model both forms.
 */
const CONTRACTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bi'm\b/g, 'i am'], [/\bit's\b/g, 'it is'], [/\bthat's\b/g, 'that is'], [/\bi'd\b/g, 'i would'],
  [/\bi've\b/g, 'i have'], [/\bi'll\b/g, 'i will'], [/\bdon't\b/g, 'do not'], [/\bhaven't\b/g, 'have not'],
];

function varyContractions(rng: Rng, s: string): string {
  if (rng() < 0.5) return s;
  let out = s;
  for (const [re, full] of CONTRACTIONS) out = out.replace(re, full);
  return out;
}

/**
 * Generates `count` sentences (lowercase words separated by single spaces).
 * Half of the voicemail-shaped lines join two templates, since callers run
 * sentences together and the decoder sees them unsegmented.
 */
export function generateCorpus(count: number, seed = 7): string[] {
  const rng = seededRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = pick(rng, TEMPLATES)(rng);
    if (rng() < 0.5) s = `${s} ${pick(rng, TEMPLATES)(rng)}`;
    out.push(varyContractions(rng, s).replace(/\s+/g, ' ').trim());
  }
  return out;
}
