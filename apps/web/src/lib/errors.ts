// What the web app shows of a failed call: a sentence for the form, and the server's per-field
// messages for the fields they name.
import { conduitErrorInfo, type FieldErrors } from '@conduit/client';

export interface ShownError {
  message: string;
  code: string | undefined;
  httpStatus: number | undefined;
  fieldErrors: FieldErrors;
}

const NO_FIELDS: FieldErrors = {};

export function errorInfo(error: unknown): ShownError {
  const info = conduitErrorInfo(error);
  if (!info) {
    return {
      message: error instanceof Error ? error.message : 'Something went wrong',
      code: undefined,
      httpStatus: undefined,
      fieldErrors: NO_FIELDS,
    };
  }
  let message = info.message;
  if (info.code === undefined) message = 'The server could not be reached. Check your connection.';
  else if (info.code === 'TOO_MANY_REQUESTS' && info.retryAfterSeconds !== undefined)
    message = `Too many attempts. Try again in ${info.retryAfterSeconds} s.`;
  else if (info.code === 'INTERNAL_SERVER_ERROR')
    message = 'Something went wrong on our side. Try again.';
  return {
    message,
    code: info.code,
    httpStatus: info.httpStatus,
    fieldErrors: info.fieldErrors ?? NO_FIELDS,
  };
}

/**
 * What to show beside an action the server refused, or null: its message, unless it names fields,
 * which the form shows beside them instead.
 */
export function refusalMessage(error: unknown): string | null {
  if (!error) return null;
  const info = errorInfo(error);
  return Object.keys(info.fieldErrors).length === 0 ? info.message : null;
}

/** The messages for one field, e.g. `fieldMessages(error, 'email')` → ["has already been taken"]. */
export function fieldMessages(error: unknown, field: string): string[] {
  if (!error) return [];
  return errorInfo(error).fieldErrors[field] ?? [];
}

/**
 * One sentence about a field from the server's messages for it, which are phrases in RealWorld's
 * style ("must not be empty", "is already taken"): `fieldSentence('The comment', ['must not be
 * empty'])` → "The comment is empty". The subject is the form's own name for the field, a noun
 * ("Email", "The comment"), not necessarily its label ("Write a comment").
 */
export function fieldSentence(subject: string, messages: readonly string[]): string {
  const phrases = messages.map((message) => PLAIN_WORDS[message] ?? message);
  const sentence = subject ? `${subject} ${phrases.join(' and ')}` : phrases.join('; ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** An input's name as words: `currentPassword` → "current password". */
const words = (field: string) =>
  field
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replaceAll('.', ' ')
    .toLowerCase();

/** The server's phrases said the way a person would. */
const PLAIN_WORDS: Record<string, string> = {
  'must not be empty': 'is empty',
  'is required': 'is empty',
};

/** Messages that name no field shown on the form (shown above it), with the field's name. */
export function otherMessages(error: unknown, shownFields: readonly string[]): string[] {
  if (!error) return [];
  const info = errorInfo(error);
  const rest = Object.entries(info.fieldErrors)
    .filter(([field]) => !shownFields.includes(field))
    // `input` is the request as a whole: its message stands alone.
    .map(([field, messages]) =>
      fieldSentence(field === 'input' ? '' : words(field), messages ?? []),
    );
  if (Object.keys(info.fieldErrors).length === 0) return [info.message];
  return rest;
}
