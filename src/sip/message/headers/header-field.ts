/**
 * The header field object the parser and the editing helpers create. It is
 * a plain HeaderField to every reader; privately it remembers the one typed
 * parse of its value, so the parser's validation and the accessors that
 * run later (Via, Contact, From …) parse each field once per message.
 * Fields are immutable, so the memo can never go stale.
 */

import type { HeaderField } from '../types.ts';
import { headerKey } from './names.ts';

export class MemoHeaderField implements HeaderField {
  readonly name: string;
  readonly value: string;
  /** headerKey(name), worked out once: every header lookup compares keys. Private, so a field still equals a plain { name, value }. */
  readonly #key: string;
  #parser: ((value: string) => unknown) | undefined = undefined;
  #result: unknown = undefined;

  constructor(name: string, value: string) {
    this.name = name;
    this.value = value;
    this.#key = headerKey(name);
  }

  get key(): string {
    return this.#key;
  }

  /** A field whose typed parse is already known (a Via the transport just stamped), so nobody parses it again. */
  static withParse<T>(name: string, value: string, parser: (value: string) => T, result: T): MemoHeaderField {
    const field = new MemoHeaderField(name, value);
    field.#parser = parser;
    field.#result = result;
    return field;
  }

  /**
   * `parser(field.value)`, remembered on fields this module created. Any
   * other HeaderField (an object literal a caller built) is parsed afresh.
   */
  static parse<T>(field: HeaderField, parser: (value: string) => T): T {
    if (!(field instanceof MemoHeaderField)) return parser(field.value);
    if (field.#parser !== parser) {
      field.#result = parser(field.value);
      field.#parser = parser;
    }
    return field.#result as T;
  }
}

/** The lower-case long name of any HeaderField: remembered on fields this module made, worked out for others. */
export function keyOf(field: HeaderField): string {
  return field instanceof MemoHeaderField ? field.key : headerKey(field.name);
}
