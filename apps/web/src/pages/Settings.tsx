// Your account: profile fields, password, the sessions you have open, and signing out.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Field, FormErrors } from '../components/Form';
import { ErrorState, Loading } from '../components/States';
import { errorInfo } from '../lib/errors';
import { describeAgent, formatDateTime, plural } from '../lib/format';
import { useTitle } from '../lib/title';
import { useSessionChanged, type Viewer } from '../lib/viewer';
import { useTRPC } from '../trpc';
import { AccessTokensSection } from './settings/AccessTokensSection';
import { DataSection } from './settings/DataSection';
import { PasskeysSection } from './settings/PasskeysSection';
import { TwoFactorSection } from './settings/TwoFactorSection';

export function SettingsPage({ viewer }: { viewer: Viewer }) {
  useTitle('Settings');
  return (
    <div className="container page narrow settings-page">
      <h1>Your settings</h1>
      <ProfileForm viewer={viewer} />
      <PasswordForm />
      <TwoFactorSection />
      <PasskeysSection />
      <Sessions />
      <AccessTokensSection />
      <DataSection viewer={viewer} />
      <SignOut />
    </div>
  );
}

const PROFILE_FIELDS = ['image', 'username', 'bio', 'email'] as const;

function ProfileForm({ viewer }: { viewer: Viewer }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [image, setImage] = useState(viewer.image ?? '');
  const [username, setUsername] = useState(viewer.username);
  const [bio, setBio] = useState(viewer.bio ?? '');
  const [email, setEmail] = useState(viewer.email);
  const [saved, setSaved] = useState(false);
  // A new email takes effect once the link mailed to it is opened (decision 019).
  const [pendingEmail, setPendingEmail] = useState<string>();
  const update = useMutation(
    trpc.user.update.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async ({ user, pendingEmail }) => {
        queryClient.setQueryData(trpc.auth.viewer.queryKey(), { user });
        setSaved(true);
        setPendingEmail(pendingEmail);
        setEmail(user.email);
        // The name and picture appear on articles, comments and profiles.
        await queryClient.invalidateQueries();
      },
    }),
  );
  return (
    <section aria-labelledby="profile-settings">
      <h2 id="profile-settings">Profile</h2>
      <FormErrors error={update.error} fields={PROFILE_FIELDS} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          update.mutate({ image, username, bio: bio || null, email });
        }}
      >
        <Field
          label="Picture URL"
          name="image"
          error={update.error}
          hint="An http:// or https:// address."
        >
          {(props) => (
            <input
              {...props}
              type="url"
              value={image}
              onChange={(event) => setImage(event.target.value)}
            />
          )}
        </Field>
        <Field label="Username" name="username" error={update.error}>
          {(props) => (
            <input
              {...props}
              autoComplete="username"
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          )}
        </Field>
        <Field label="Short bio about you" subject="Your bio" name="bio" error={update.error}>
          {(props) => (
            <textarea
              {...props}
              rows={5}
              value={bio}
              onChange={(event) => setBio(event.target.value)}
            />
          )}
        </Field>
        <Field label="Email" name="email" error={update.error}>
          {(props) => (
            <input
              {...props}
              type="email"
              autoComplete="email"
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          )}
        </Field>
        <p className="form-status" role="status">
          {saved ? 'Your settings are saved.' : ''}
          {saved && pendingEmail
            ? ` To change your email, open the link we sent to ${pendingEmail}.`
            : ''}
        </p>
        <button
          type="submit"
          className="btn btn-lg btn-primary pull-right"
          disabled={update.isPending}
        >
          {update.isPending ? 'Saving…' : 'Update settings'}
        </button>
      </form>
    </section>
  );
}

function PasswordForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [currentPassword, setCurrentPassword] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const change = useMutation(
    trpc.user.update.mutationOptions({
      onMutate: () => setDone(false),
      onSuccess: async () => {
        setCurrentPassword('');
        setPassword('');
        setDone(true);
        await queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.queryKey() });
      },
    }),
  );
  return (
    <section aria-labelledby="password-settings">
      <h2 id="password-settings">Password</h2>
      <FormErrors error={change.error} fields={['password', 'currentPassword']} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          // Blank: the server takes a recent sign-in instead (sudo mode), or asks for it by name.
          change.mutate({ password, currentPassword: currentPassword || undefined });
        }}
      >
        <Field
          label="Current password"
          name="currentPassword"
          error={change.error}
          hint="Needed if you signed in more than 10 minutes ago."
        >
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="current-password"
              value={currentPassword}
              onChange={(event) => setCurrentPassword(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="New password"
          name="password"
          error={change.error}
          hint="At least 8 characters. Your other sessions end when it changes."
        >
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        <p className="form-status" role="status">
          {done ? 'Password changed. Your other sessions have been signed out.' : ''}
        </p>
        <button type="submit" className="btn btn-primary pull-right" disabled={change.isPending}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}

function Sessions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessionChanged = useSessionChanged();
  const navigate = useNavigate();
  const sessions = useQuery(trpc.auth.sessions.queryOptions());
  const revoke = useMutation(
    trpc.auth.revokeSession.mutationOptions({
      onSuccess: async ({ current }) => {
        if (current) {
          await sessionChanged(null);
          void navigate('/');
          return;
        }
        await queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.queryKey() });
      },
    }),
  );
  return (
    <section aria-labelledby="session-settings">
      <h2 id="session-settings">Where you are signed in</h2>
      {sessions.isPending ? (
        <Loading what="Loading your sessions" />
      ) : sessions.isError ? (
        <ErrorState error={sessions.error} retry={sessions.refetch} />
      ) : (
        <>
          <p>{plural(sessions.data.sessions.length, 'session')} open.</p>
          <ul className="session-list">
            {sessions.data.sessions.map((session) => (
              <li key={session.id} className="card">
                <p className="session-agent" title={session.userAgent ?? undefined}>
                  {describeAgent(session.userAgent)}
                  {session.current && <strong className="badge"> This device</strong>}
                </p>
                <p className="session-times">
                  Signed in {formatDateTime(session.createdAt)} · last used{' '}
                  {formatDateTime(session.lastUsedAt)}
                  {session.ip ? ` · from ${session.ip}` : ''}
                </p>
                <button
                  type="button"
                  className="btn btn-sm btn-outline-danger"
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate({ id: session.id })}
                >
                  {session.current ? 'Sign out this device' : 'Revoke'}
                </button>
              </li>
            ))}
          </ul>
          {revoke.error && (
            <p className="inline-error" role="alert">
              {errorInfo(revoke.error).message}
            </p>
          )}
        </>
      )}
    </section>
  );
}

function SignOut() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const sessionChanged = useSessionChanged();
  const signedOut = async () => {
    await sessionChanged(null);
    void navigate('/');
  };
  const logout = useMutation(trpc.auth.logout.mutationOptions({ onSuccess: signedOut }));
  const logoutAll = useMutation(trpc.auth.logoutAll.mutationOptions({ onSuccess: signedOut }));
  const error = logout.error ?? logoutAll.error;
  return (
    <section aria-labelledby="sign-out" className="sign-out">
      <h2 id="sign-out">Sign out</h2>
      <button
        type="button"
        className="btn btn-outline-danger"
        disabled={logout.isPending}
        onClick={() => logout.mutate()}
      >
        Log out
      </button>{' '}
      <button
        type="button"
        className="btn btn-outline-danger"
        disabled={logoutAll.isPending}
        onClick={() => logoutAll.mutate()}
      >
        Log out everywhere
      </button>
      {error && (
        <p className="inline-error" role="alert">
          {errorInfo(error).message}
        </p>
      )}
    </section>
  );
}
