// How a moderator or admin removes someone else's article or comment: the reason is required and
// goes to the audit log. Two steps, so a stray click removes nothing.
import { useId, useState } from 'react';
import { fieldMessages } from '../lib/errors';

interface Props {
  what: string;
  pending: boolean;
  error: unknown;
  onRemove: (reason: string) => void;
}

export function RemoveWithReason({ what, pending, error, onRemove }: Props) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open) {
    return (
      <button type="button" className="btn btn-sm btn-outline-danger" onClick={() => setOpen(true)}>
        Remove {what}
      </button>
    );
  }
  const messages = fieldMessages(error, 'reason');
  return (
    <form
      className="remove-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onRemove(reason);
      }}
    >
      <label htmlFor={id}>Reason for removing this {what}</label>
      <input
        id={id}
        value={reason}
        required
        maxLength={500}
        aria-invalid={messages.length > 0}
        onChange={(event) => setReason(event.target.value)}
      />
      {messages.length > 0 && <p className="field-error">Reason {messages.join(', ')}</p>}
      <button type="submit" className="btn btn-sm btn-danger" disabled={pending}>
        Remove
      </button>
      <button type="button" className="btn btn-sm btn-outline" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

/** The author's own delete: asks once more before it happens. */
export function ConfirmDelete({
  what,
  pending,
  onDelete,
}: {
  what: string;
  pending: boolean;
  onDelete: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        className="btn btn-sm btn-outline-danger"
        onClick={() => setAsking(true)}
      >
        Delete {what}
      </button>
    );
  }
  return (
    <fieldset className="confirm">
      <legend>Delete this {what}?</legend>
      <button type="button" className="btn btn-sm btn-danger" disabled={pending} onClick={onDelete}>
        Yes, delete
      </button>
      <button type="button" className="btn btn-sm btn-outline" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </fieldset>
  );
}
