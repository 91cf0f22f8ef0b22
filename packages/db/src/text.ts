// What PostgreSQL can keep in a text column, and what it cannot: a NUL character (U+0000) is
// refused by every encoding, and a lone UTF-16 surrogate has no UTF-8 form at all (drivers send
// it as U+FFFD or as bytes the server refuses). Inputs are checked against this before they reach
// a statement, so such text is a clear 4xx rather than a failed statement.

// With the `u` flag a surrogate pair is one code point, so \p{Cs} matches only unpaired halves.
const UNSTORABLE = /[\0\p{Cs}]/u;

/** Whether the string can be stored (and compared) as PostgreSQL text. */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** Why `value` cannot be stored, worded to follow a field's name; undefined when it can. */
export function unstorableTextProblem(value: string): string | undefined {
  const found = UNSTORABLE.exec(value)?.[0];
  if (found === undefined) return undefined;
  return found === '\0'
    ? 'must not contain the NUL character (U+0000)'
    : 'must be valid Unicode text (it contains an unpaired surrogate)';
}
