import { useEffect } from 'react';

/** The browser tab's (and screen reader's) name for the page: "<what> — Conduit". */
export function useTitle(what: string | undefined) {
  useEffect(() => {
    document.title = what ? `${what} — Conduit` : 'Conduit';
  }, [what]);
}
