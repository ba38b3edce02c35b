// Single-line display text: the names, labels and reasons people type that
// Sotto shows back on the portal, in the CLI's tables, in the audit view and
// in mail. One rule for every writer (API, CLI, demo): not blank, and none of
// the characters that make such text lie or break what shows it:
//  - C0 and C1 controls, DEL, and the line and paragraph separators: a CR/LF
//    forges a second line in a table or a log, ESC drives the terminal the
//    CLI prints to, and PostgreSQL refuses NUL in text outright;
//  - the bidi embeddings, overrides and isolates (U+202A-U+202E,
//    U+2066-U+2069, "Trojan Source"): they reorder what follows them, so a
//    name can read as another;
//  - lone surrogates, which are not text (UTF-8 cannot carry them).
// Marks a right-to-left name needs (U+200E, U+200F) are allowed.
import { DirectoryError } from './errors.ts';

/** The refused characters, as a character class body for a `u`-flag RegExp or a JSON Schema pattern. */
const FORBIDDEN_CLASS = '\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\uD800-\\uDFFF';
const FORBIDDEN = new RegExp(`[${FORBIDDEN_CLASS}]`, 'u');
/** A character that shows: not white space, and not a format character (zero-width space, direction marks) on its own. */
const VISIBLE = /[^\s\p{Cf}]/u;

/**
 * The same rule as a JSON Schema pattern (Ajv compiles patterns with the `u`
 * flag): something visible (not white space, not an invisible format
 * character such as U+200B or U+200E alone), and no refused character. The
 * API's schemas carry it so such a field is refused with the other field
 * errors, before the role is checked.
 */
export const DISPLAY_TEXT_PATTERN = `^(?=[\\s\\S]*[^\\s\\p{Cf}])[^${FORBIDDEN_CLASS}]*$`;

/** Longest value of each display text field, in characters (code points, as JSON Schema's maxLength counts). */
export const DISPLAY_TEXT_MAX = {
  displayName: 120,
  practiceName: 200,
  deviceLabel: 80,
  breakGlassReason: 500,
  tokenLabel: 80,
} as const;

export interface DisplayTextField {
  /** The field's name in the request, for details.field (the API's issue path). */
  field: string;
  /** What it is, for the message: "a name", "a label". */
  what: string;
  max: number;
}

/** Refuses (INVALID_INPUT) a value that is blank, too long, or carries a character display text may not. */
export function checkDisplayText(value: string, f: DisplayTextField): void {
  if (!VISIBLE.test(value)) throw new DirectoryError('INVALID_INPUT', `${f.what} is required`, { field: f.field });
  if (FORBIDDEN.test(value)) {
    throw new DirectoryError('INVALID_INPUT', `${f.what} must be one line of text, without control characters or text-direction overrides`, { field: f.field });
  }
  if ([...value].length > f.max) throw new DirectoryError('INVALID_INPUT', `${f.what} is at most ${f.max} characters`, { field: f.field });
}
