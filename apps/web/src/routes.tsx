// The pages and their addresses. Pages for signed-in users send visitors to sign in first, and
// come back after. Only the home page is in the first script: every other page's code loads when
// it is first visited (the router keeps the current page on screen meanwhile), so a reader never
// downloads the editor, settings, admin or passkey code they do not open.
import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { Layout, RouteError } from './components/Layout';
import { Loading } from './components/States';
import { hasRole, type Role, useViewer, type Viewer } from './lib/viewer';
import { HomePage } from './pages/Home';

function SignedIn({
  needs = 'user',
  children,
}: {
  needs?: Role;
  children: (viewer: Viewer) => React.ReactNode;
}) {
  const { viewer } = useViewer();
  const location = useLocation();
  if (viewer === undefined) return <Loading />;
  if (viewer === null) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (!hasRole(viewer, needs)) {
    return (
      <div className="container page">
        <p className="state state-error" role="alert">
          This page is for {needs}s only.
        </p>
      </div>
    );
  }
  return children(viewer);
}

/** Sign-in and sign-up pages are for visitors: a signed-in user goes home. */
function Visitor({ children }: { children: React.ReactNode }) {
  const { viewer } = useViewer();
  if (viewer) return <Navigate to="/" replace />;
  return children;
}

/** A route whose page comes from `load`, fetched on the first visit. */
function lazyPage<M>(load: () => Promise<M>, render: (module: M) => React.ReactNode) {
  return async () => {
    const module: M | undefined = await load();
    // No module: its file is gone and main.tsx is loading the new version of the app at this
    // address. The current page stays until then.
    if (module === undefined) return new Promise<never>(() => {});
    return { element: render(module) };
  };
}

const auth = () => import('./pages/Auth');
const emailLinks = () => import('./pages/EmailLinks');
const editor = () => import('./pages/Editor');
const profile = () => import('./pages/Profile');

export const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <HomePage /> },
      {
        path: 'login',
        lazy: lazyPage(auth, ({ SignInPage }) => (
          <Visitor>
            <SignInPage />
          </Visitor>
        )),
      },
      {
        path: 'register',
        lazy: lazyPage(auth, ({ SignUpPage }) => (
          <Visitor>
            <SignUpPage />
          </Visitor>
        )),
      },
      // Mailed links (decision 019): open signed in or not.
      {
        path: 'forgot-password',
        lazy: lazyPage(
          () => import('./pages/ForgotPassword'),
          ({ ForgotPasswordPage }) => <ForgotPasswordPage />,
        ),
      },
      {
        path: 'reset-password',
        lazy: lazyPage(
          () => import('./pages/ResetPassword'),
          ({ ResetPasswordPage }) => <ResetPasswordPage />,
        ),
      },
      {
        path: 'verify-email',
        lazy: lazyPage(emailLinks, ({ VerifyEmailPage }) => <VerifyEmailPage />),
      },
      {
        path: 'confirm-email',
        lazy: lazyPage(emailLinks, ({ ConfirmEmailPage }) => <ConfirmEmailPage />),
      },
      {
        path: 'settings',
        lazy: lazyPage(
          () => import('./pages/Settings'),
          ({ SettingsPage }) => <SignedIn>{(viewer) => <SettingsPage viewer={viewer} />}</SignedIn>,
        ),
      },
      {
        path: 'editor',
        lazy: lazyPage(editor, ({ EditorPage }) => <SignedIn>{() => <EditorPage />}</SignedIn>),
      },
      {
        path: 'editor/:slug',
        lazy: lazyPage(editor, ({ EditorPage }) => <SignedIn>{() => <EditorPage />}</SignedIn>),
      },
      {
        path: 'article/:slug',
        lazy: lazyPage(
          () => import('./pages/Article'),
          ({ ArticlePage }) => <ArticlePage />,
        ),
      },
      {
        path: 'search',
        lazy: lazyPage(
          () => import('./pages/Search'),
          ({ SearchPage }) => <SearchPage />,
        ),
      },
      { path: 'profile/:username', lazy: lazyPage(profile, ({ ProfilePage }) => <ProfilePage />) },
      {
        path: 'profile/:username/favorites',
        lazy: lazyPage(profile, ({ ProfilePage }) => <ProfilePage favorites />),
      },
      {
        path: 'admin',
        lazy: lazyPage(
          () => import('./pages/Admin'),
          ({ AdminPage }) => <SignedIn needs="admin">{() => <AdminPage />}</SignedIn>,
        ),
      },
      {
        path: '*',
        lazy: lazyPage(
          () => import('./pages/NotFound'),
          ({ NotFoundPage }) => <NotFoundPage />,
        ),
      },
    ],
  },
]);
