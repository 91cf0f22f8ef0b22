// A button that is on or off (aria-pressed), filled when on, with the server's reason beside it
// when it refused the last toggle. The favorite and follow buttons are two of these.
import { InlineError } from './States';

interface Props {
  /** The wrapper's class (`favorite`, `follow`). */
  className: string;
  /** The button's colour: `btn-<tone>` when on, `btn-outline-<tone>` when off. */
  tone: 'primary' | 'secondary';
  pressed: boolean;
  /** What screen readers say, when the visible text is not enough: it starts with that text (WCAG 2.5.3). */
  label?: string | undefined;
  failure: string | null;
  onClick: () => void;
  children: React.ReactNode;
}

export function ToggleButton({
  className,
  tone,
  pressed,
  label,
  failure,
  onClick,
  children,
}: Props) {
  return (
    <span className={className}>
      <button
        type="button"
        className={`btn btn-sm ${pressed ? `btn-${tone}` : `btn-outline-${tone}`}`}
        aria-pressed={pressed}
        aria-label={label}
        onClick={onClick}
      >
        {children}
      </button>
      <InlineError message={failure} />
    </span>
  );
}
