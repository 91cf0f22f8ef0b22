import { Link } from 'react-router';
import { useTitle } from '../lib/title';

export function NotFoundPage() {
  useTitle('Page not found');
  return (
    <div className="container page narrow">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Back to the home page</Link>.
      </p>
    </div>
  );
}
