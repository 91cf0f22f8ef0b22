// The frame of every page: header with navigation (what a visitor may do, or a signed-in
// user's pages), the page itself, and a footer.
import { Link, NavLink, Outlet } from 'react-router';
import { hasRole, useViewer } from '../lib/viewer';
import { Avatar } from './Avatar';

export function Layout() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
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
  return (
    <header className="site-header">
      <nav className="container navbar" aria-label="Main">
        <Link className="brand logo-font" to="/">
          conduit
        </Link>
        <ul className="nav">
          <li>
            <NavLink to="/" end>
              Home
            </NavLink>
          </li>
          {viewer === null && (
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
                <NavLink
                  to={`/profile/${encodeURIComponent(viewer.username)}`}
                  className="nav-profile"
                >
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
