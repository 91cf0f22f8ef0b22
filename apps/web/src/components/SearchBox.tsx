// The header's search box: a plain form, so Enter submits it, that goes to the results page with
// the query in the address (/search?q=...), where a reload or a shared link shows the same search.
import { useEffect, useState } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { searchPath } from '../lib/paths';

export function SearchBox() {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const [params] = useSearchParams();
  const shown = pathname === '/search' ? (params.get('q') ?? '') : '';
  const [q, setQ] = useState(shown);
  // Follow the address (back and forward between searches, leaving the results page).
  useEffect(() => setQ(shown), [shown]);
  return (
    <search className="search-box">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (q.trim() !== '') void navigate(searchPath(q.trim()));
        }}
      >
        <input
          type="search"
          name="q"
          aria-label="Search articles"
          placeholder="Search articles"
          maxLength={200}
          value={q}
          onChange={(event) => setQ(event.target.value)}
        />
      </form>
    </search>
  );
}
