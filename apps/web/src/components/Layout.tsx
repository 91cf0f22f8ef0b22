// The frame of every page: header with navigation (what a visitor may do, or a signed-in
// user's pages), the page itself, and a footer.
import { useEffect, useId, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useRouteError } from 'react-router';
import { profilePath } from '../lib/paths';
import { hasRole, useViewer } from '../lib/viewer';
import { Avatar } from './Avatar';
import { SearchBox } from './SearchBox';
import { VerifyEmailBanner } from './VerifyEmailBanner';

export function Layout() {
  useScrollToTopOnNavigation();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <VerifyEmailBanner />
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <div className="container">
          <Link to="/" className="logo-font">
            conduit
          </Link>{' '}
          <span>
            A place to share your knowledge. <a href="/docs">API documentation</a>
          </span>
        </div>
      </footer>
    </>
  );
}

function Header() {
  const { viewer } = useViewer();
  const menu = useMenu();
  return (
    <header className="site-header">
      <nav className="container navbar" aria-label="Main" onKeyDown={menu.closeOnEscape}>
        <Link className="brand logo-font" to="/">
          conduit
        </Link>
        {/* Shown on narrow screens only (styles.css): there the links fold behind it. */}
        <button
          ref={menu.buttonRef}
          type="button"
          className="menu-toggle btn btn-outline"
          aria-expanded={menu.open}
          aria-controls={menu.id}
          onClick={menu.toggle}
        >
          Menu
        </button>
        <ul id={menu.id} className={menu.open ? 'nav nav-open' : 'nav'}>
          {/* In the list, so that on a phone it folds behind the Menu button with the links. */}
          <li className="nav-search">
            <SearchBox />
          </li>
          <li>
            <NavLink to="/" end>
              Home
            </NavLink>
          </li>
          {/* While the session is unknown too (a first visit is a visitor's): no jump when it is. */}
          {!viewer && (
            <>
              <li>
                <NavLink to="/login">Sign in</NavLink>
              </li>
              <li>
                <NavLink to="/register">Sign up</NavLink>
              </li>
            </>
          )}
          {viewer && (
            <>
              <li>
                <NavLink to="/editor">New article</NavLink>
              </li>
              <li>
                <NavLink to="/settings">Settings</NavLink>
              </li>
              {hasRole(viewer, 'admin') && (
                <li>
                  <NavLink to="/admin">Admin</NavLink>
                </li>
              )}
              <li>
                <NavLink to={profilePath(viewer.username)} className="nav-profile">
                  <Avatar username={viewer.username} image={viewer.image} />
                  {viewer.username}
                </NavLink>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

/**
 * The phone's menu: a disclosure button (decision 034). It is open for the page it was opened on
 * only, so any navigation (a link in it, back, a redirect) closes it without an effect; Escape
 * closes it and gives focus back to the button.
 */
function useMenu() {
  const id = useId();
  const { key } = useLocation();
  const [openOn, setOpenOn] = useState<string | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const open = openOn === key;
  return {
    id,
    open,
    buttonRef,
    toggle: () => setOpenOn(open ? null : key),
    closeOnEscape: (event: React.KeyboardEvent) => {
      if (event.key !== 'Escape' || !open) return;
      setOpenOn(null);
      buttonRef.current?.focus();
    },
  };
}

/** A new page starts at its top (the back button's scroll position is the browser's business). */
function useScrollToTopOnNavigation() {
  const { pathname } = useLocation();
  useEffect(() => {
    // Braces matter: newer Chromium returns a promise from scrollTo, and an effect that returns
    // anything but a function breaks React's unmount.
    window.scrollTo(0, 0);
  }, [pathname]);
}

/** A page that failed to render: say so in the frame, rather than a blank screen. */
export function RouteError() {
  const error = useRouteError();
  console.error(error);
  return (
    <>
      <Header />
      <main id="main" className="container page">
        <h1>Something went wrong</h1>
        <p>This page could not be shown. Reload it, or go back to the home page.</p>
        <p>
          <a href="/">Home</a>
        </p>
      </main>
    </>
  );
}
