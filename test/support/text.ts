// Display text the rule refuses and text it keeps (src/directory/display-text.ts), for the directory's and the API's tests.

/** Each refused, by name: what a sweep sent and what a careless paste brings. */
export const REFUSED_TEXT: ReadonlyArray<[string, string]> = [
  ['blank', '   '],
  ['tab-only', ' \t '],
  ['nbsp-only', '\u00A0\u3000'],
  ['zero-width only', '\u200B\u200E\u2060'],
  ['NUL', 'Zorb\u0000name'],
  ['ESC', 'Zorb\u001b[31mname'],
  ['BEL', 'Zorb\u0007name'],
  ['CR LF', 'Zorb\r\nX-Injected: 1'],
  ['tab', 'Zorb\tname'],
  ['DEL', 'Zorb\u007Fname'],
  ['C1 NEL', 'Zorb\u0085name'],
  ['C1 CSI', 'Zorb\u009Bname'],
  ['line separator', 'Zorb\u2028name'],
  ['lone high surrogate', 'Zorb\uD800name'],
  ['lone low surrogate', '\uDC00Zorb'],
  ['right-to-left override', '\u202EZorbenheim'],
  ['left-to-right embedding', 'Zorb\u202Aname'],
  ['first strong isolate', 'Zorb\u2068name\u2069'],
  ['right-to-left isolate', '\u2067Zorb'],
];

/** Text people really type, kept as it is. */
export const ACCEPTED_TEXT: readonly string[] = ['Zoë Ōtani-Müller', 'Dr. O’Brien (on call) 😷', 'د. سارة\u200F', '李 小龍'];
