// What Conduit mails, one small template each: a subject, a plain-text body and an HTML body,
// rendered when the message is queued. Values are escaped for HTML; links are built by the caller.

export interface MailTemplates {
  /** After sign-up: confirm the address. */
  'email-verification': { username: string; link: string; expiresInHours: number };
  /** Sent to the new address of an email change: the change happens when it is confirmed. */
  'email-change': { username: string; link: string; newEmail: string; expiresInHours: number };
  /** Sent to the old address once an email change took effect. */
  'email-changed': { username: string; newEmail: string };
  /** A password-reset link. */
  'password-reset': { username: string; link: string; expiresInMinutes: number };
  /** The password was changed (or reset): every other session was ended. */
  'password-changed': { username: string };
  /** Two-factor sign-in was turned on or off, or new recovery codes were made. */
  'two-factor-changed': { username: string; change: 'enabled' | 'disabled' | 'recovery-codes' };
}

export type TemplateName = keyof MailTemplates;

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Paragraphs of text, and the one link the message is about (if any), as text and as HTML. */
function compose(subject: string, paragraphs: string[], link?: string): RenderedMail {
  const text = [...paragraphs, ...(link ? [link] : []), '— Conduit'].join('\n\n');
  const html = [
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`] : []),
    '<p>— Conduit</p>',
  ].join('\n');
  return { subject, text: `${text}\n`, html };
}

const renderers: { [N in TemplateName]: (data: MailTemplates[N]) => RenderedMail } = {
  'email-verification': ({ username, link, expiresInHours }) =>
    compose(
      'Confirm your email address',
      [
        `Hello ${username},`,
        `Please confirm this is your email address by opening the link below. It works once, for ${expiresInHours} hours.`,
        'If you did not sign up for Conduit, ignore this message.',
      ],
      link,
    ),
  'email-change': ({ username, link, newEmail, expiresInHours }) =>
    compose(
      'Confirm your new email address',
      [
        `Hello ${username},`,
        `Open the link below to make ${newEmail} the email address of your Conduit account. It works once, for ${expiresInHours} hours; until then your old address stays.`,
        'If you did not ask for this, ignore this message.',
      ],
      link,
    ),
  'email-changed': ({ username, newEmail }) =>
    compose('Your email address was changed', [
      `Hello ${username},`,
      `The email address of your Conduit account is now ${newEmail}.`,
      'If you did not do this, reset your password at once and contact us.',
    ]),
  'password-reset': ({ username, link, expiresInMinutes }) =>
    compose(
      'Reset your password',
      [
        `Hello ${username},`,
        `Open the link below to choose a new password. It works once, for ${expiresInMinutes} minutes; a newer request replaces it.`,
        'If you did not ask for this, ignore this message: your password stays as it is.',
      ],
      link,
    ),
  'password-changed': ({ username }) =>
    compose('Your password was changed', [
      `Hello ${username},`,
      'The password of your Conduit account was just changed, and every other session signed out.',
      'If you did not do this, reset your password at once.',
    ]),
  'two-factor-changed': ({ username, change }) =>
    compose('Your two-factor sign-in settings changed', [
      `Hello ${username},`,
      {
        enabled:
          'Two-factor authentication is now on for your Conduit account: signing in needs a code from your authenticator app (or a recovery code) after the password.',
        disabled:
          'Two-factor authentication was turned off for your Conduit account: signing in needs only the password now.',
        'recovery-codes':
          'New recovery codes were made for your Conduit account; the old ones no longer work.',
      }[change],
      'If you did not do this, reset your password at once and turn two-factor authentication back on.',
    ]),
};

export function renderMail<N extends TemplateName>(name: N, data: MailTemplates[N]): RenderedMail {
  return renderers[name](data);
}
