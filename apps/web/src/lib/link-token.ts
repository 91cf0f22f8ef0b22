// The token of a mailed link (decision 019). Links carry it in the fragment (`#token=...`), which
// browsers never send to a server; it is read, then dropped from the address bar, so it is not
// left in the history or shown over someone's shoulder. `?token=` is read too, for hand-made links.
import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';

function tokenIn(hash: string, search: string): string | undefined {
  const fromHash = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  const fromQuery = new URLSearchParams(search).get('token');
  return fromHash || fromQuery || undefined;
}

/** The newest token the page's address carried (another link opened in this tab replaces it). */
export function useLinkToken(): string | undefined {
  const { hash, search, pathname } = useLocation();
  const navigate = useNavigate();
  const inAddress = tokenIn(hash, search);
  const [token, setToken] = useState(inAddress);
  useEffect(() => {
    if (inAddress === undefined) return;
    setToken(inAddress);
    void navigate(pathname, { replace: true });
  }, [inAddress, navigate, pathname]);
  return inAddress ?? token;
}
