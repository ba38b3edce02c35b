// Results for media codecs: bytes from a peer are data, not exceptions, so
// every parser in media/ returns one of these instead of throwing.

export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** An expected failure with a stable code other layers can map to a reply or metric. */
export interface MediaError<C extends string = string> {
  readonly code: C;
  readonly message: string;
}

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<C extends string>(code: C, message: string): { readonly ok: false; readonly error: MediaError<C> } {
  return { ok: false, error: { code, message } };
}
