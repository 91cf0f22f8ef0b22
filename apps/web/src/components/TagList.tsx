import { Link } from 'react-router';
import { tagPath } from '../lib/paths';

interface Props {
  tags: string[];
  /** Filled pills (the popular tags) rather than outlined ones (an article's). */
  filled?: boolean;
  /** What screen readers call the list; null where a heading already names it. */
  label?: string | null;
}

/** Tags, each a link to the tag's feed. */
export function TagList({ tags, filled = false, label = 'Tags' }: Props) {
  if (tags.length === 0) return null;
  return (
    <ul className="tag-list" aria-label={label ?? undefined}>
      {tags.map((tag) => (
        <li key={tag}>
          <Link className={`tag ${filled ? 'tag-filled' : 'tag-outline'}`} to={tagPath(tag)}>
            {tag}
          </Link>
        </li>
      ))}
    </ul>
  );
}
