// A button that is on or off (aria-pressed), filled when on, with the server's reason beside it
// when it refused the last toggle. The favorite and follow buttons are two of these.
import { InlineError } from './States';

interface Props {
  /** The wrapper's class (`favorite`, `follow`). */
  className: string;
  /** The button's colour: `btn-<tone>` when on, `btn-outline-<tone>` when off. */
  tone: 'primary' | 'secondary';
  pressed: boolean;
  failure: string | null;
  onClick: () => void;
  children: React.ReactNode;
}

export function ToggleButton({ className, tone, pressed, failure, onClick, children }: Props) {
  return (
    <span className={className}>
      <button
        type="button"
        className={`btn btn-sm ${pressed ? `btn-${tone}` : `btn-outline-${tone}`}`}
        aria-pressed={pressed}
        onClick={onClick}
      >
        {children}
      </button>
      <InlineError message={failure} />
    </span>
  );
}
