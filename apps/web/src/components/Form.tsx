// Form fields with their label and the server's messages for them, linked for screen readers.
import { useId } from 'react';
import { fieldMessages, otherMessages } from '../lib/errors';

interface FieldProps {
  label: string;
  /** The field's name in the procedure's input: the server's messages for it are shown here. */
  name: string;
  error: unknown;
  hint?: string;
  children: (props: {
    id: string;
    name: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => React.ReactNode;
}

export function Field({ label, name, error, hint, children }: FieldProps) {
  const id = useId();
  const messages = fieldMessages(error, name);
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
      })}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {messages.length > 0 && (
        <p className="field-error" id={`${id}-error`}>
          {label} {messages.join(', ')}
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
