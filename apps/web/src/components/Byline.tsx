// Who wrote an article and when: the author's picture and name, each a link to their profile, and
// the date; then whatever the place adds (a favorite button in lists, the actions on the article).
import { Link } from 'react-router';
import { formatDate } from '../lib/format';
import { profilePath } from '../lib/paths';
import { Avatar } from './Avatar';

interface Props {
  author: { username: string; image: string | null };
  createdAt: string;
  children?: React.ReactNode;
}

export function Byline({ author, createdAt, children }: Props) {
  return (
    <div className="article-meta">
      <Link to={profilePath(author.username)} tabIndex={-1} aria-hidden>
        <Avatar username={author.username} image={author.image} />
      </Link>
      <div className="info">
        <Link className="author" to={profilePath(author.username)}>
          {author.username}
        </Link>
        <time className="date" dateTime={createdAt}>
          {formatDate(createdAt)}
        </time>
      </div>
      {children}
    </div>
  );
}
