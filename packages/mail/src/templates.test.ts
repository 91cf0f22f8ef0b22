import { describe, expect, it } from 'vitest';
import { renderMail } from './templates';

describe('renderMail', () => {
  it('puts the link in both bodies and escapes values in the HTML one', () => {
    const mail = renderMail('password-reset', {
      username: '<b>jake</b>',
      link: 'https://conduit.example/reset#token=a&b',
      expiresInMinutes: 60,
    });
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('Hello <b>jake</b>,');
    expect(mail.text).toContain('https://conduit.example/reset#token=a&b');
    expect(mail.html).toContain('Hello &#60;b&#62;jake&#60;/b&#62;,');
    expect(mail.html).toContain('href="https://conduit.example/reset#token=a&#38;b"');
    expect(mail.html).not.toContain('<b>');
  });
});
