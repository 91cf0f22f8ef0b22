// The pages and their addresses. Pages for signed-in users send visitors to sign in first, and
// come back after.
import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { Layout, RouteError } from './components/Layout';
import { Loading } from './components/States';
import { hasRole, type Role, useViewer, type Viewer } from './lib/viewer';
import { AdminPage } from './pages/Admin';
import { ArticlePage } from './pages/Article';
import { SignInPage, SignUpPage } from './pages/Auth';
import { EditorPage } from './pages/Editor';
import { ConfirmEmailPage, VerifyEmailPage } from './pages/EmailLinks';
import { ForgotPasswordPage } from './pages/ForgotPassword';
import { HomePage } from './pages/Home';
import { NotFoundPage } from './pages/NotFound';
import { ProfilePage } from './pages/Profile';
import { ResetPasswordPage } from './pages/ResetPassword';
import { SearchPage } from './pages/Search';
import { SettingsPage } from './pages/Settings';

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

export const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <HomePage /> },
      {
        path: 'login',
        element: (
          <Visitor>
            <SignInPage />
          </Visitor>
        ),
      },
      {
        path: 'register',
        element: (
          <Visitor>
            <SignUpPage />
          </Visitor>
        ),
      },
      // Mailed links (decision 019): open signed in or not.
      { path: 'forgot-password', element: <ForgotPasswordPage /> },
      { path: 'reset-password', element: <ResetPasswordPage /> },
      { path: 'verify-email', element: <VerifyEmailPage /> },
      { path: 'confirm-email', element: <ConfirmEmailPage /> },
      {
        path: 'settings',
        element: <SignedIn>{(viewer) => <SettingsPage viewer={viewer} />}</SignedIn>,
      },
      { path: 'editor', element: <SignedIn>{() => <EditorPage />}</SignedIn> },
      { path: 'editor/:slug', element: <SignedIn>{() => <EditorPage />}</SignedIn> },
      { path: 'article/:slug', element: <ArticlePage /> },
      { path: 'search', element: <SearchPage /> },
      { path: 'profile/:username', element: <ProfilePage /> },
      { path: 'profile/:username/favorites', element: <ProfilePage favorites /> },
      { path: 'admin', element: <SignedIn needs="admin">{() => <AdminPage />}</SignedIn> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
