// Loading, empty and error states, the same everywhere.
import { errorInfo } from '../lib/errors';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const info = errorInfo(error);
  return (
    <div className="state state-error" role="alert">
      <p>{info.httpStatus === 404 ? info.message : `Could not load this: ${info.message}`}</p>
      {retry && info.httpStatus !== 404 && (
        <button type="button" className="btn btn-outline" onClick={() => retry()}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A refusal shown beside what was tried (a button, a comment); nothing when there is none. */
export function InlineError({
  message,
  block = false,
}: {
  message: string | null;
  block?: boolean;
}) {
  if (!message) return null;
  const Tag = block ? 'p' : 'span';
  return (
    <Tag className="inline-error" role="alert">
      {message}
    </Tag>
  );
}
