// Form fields with their label and the server's messages for them, linked for screen readers.
import { useId, useState } from 'react';
import { fieldMessages, fieldSentence, otherMessages } from '../lib/errors';

interface FieldProps {
  label: string;
  /**
   * What the messages call the field, when the label is not a noun that starts a sentence
   * ("The comment" for "Write a comment"); the label otherwise.
   */
  subject?: string;
  /** The field's name in the procedure's input: the server's messages for it are shown here. */
  name: string;
  error: unknown;
  hint?: string;
  children: (props: {
    id: string;
    name: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
    onInput: () => void;
  }) => React.ReactNode;
}

export function Field({ label, subject = label, name, error, hint, children }: FieldProps) {
  const id = useId();
  // The error the user has since typed into this field: its message goes at once, not at the
  // next submit (the server says again if it still stands).
  const [editedAfter, setEditedAfter] = useState<unknown>(null);
  const messages = error && editedAfter === error ? [] : fieldMessages(error, name);
  const describedBy = [hint ? `${id}-hint` : '', messages.length > 0 ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field${messages.length > 0 ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name,
        'aria-invalid': messages.length > 0,
        'aria-describedby': describedBy || undefined,
        onInput: () => setEditedAfter(error),
      })}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {messages.length > 0 && (
        <p className="field-error" id={`${id}-error`}>
          {fieldSentence(subject, messages)}
        </p>
      )}
    </div>
  );
}

/** What the error says that no field on this form shows (or its message when it names none). */
export function FormErrors({ error, fields }: { error: unknown; fields: readonly string[] }) {
  const messages = otherMessages(error, fields);
  if (messages.length === 0) return null;
  return (
    <ul className="form-errors" role="alert">
      {messages.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}
