// What an operator reads for the failures the server's process tests cannot easily bring about.
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, pgliteOpenError, postgresOpenError } from './open-errors';

const socketError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('postgresOpenError', () => {
  it('says a host name could not be looked up when DNS does not answer', () => {
    const error = postgresOpenError(
      'postgres://app:secret@db.internal/app',
      socketError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.internal'),
    );
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect(error.setting).toBe('url');
    expect(error.message).toBe(
      'cannot connect to PostgreSQL at db.internal:5432 (host name lookup failed: DNS did not answer)',
    );
  });

  it('shows the server, never the user and password, even with an @ in the password', () => {
    const error = postgresOpenError(
      'postgres://app:p@ss@[::1]:6432/app',
      socketError('ECONNREFUSED', 'connect ECONNREFUSED ::1:6432'),
    );
    expect(error.message).toBe('cannot connect to PostgreSQL at [::1]:6432 (connection refused)');
  });

  it('strips credentials from a URL inside a message it passes on', () => {
    const error = postgresOpenError(
      'postgres://app:secret@db:5432/app',
      socketError('ERR_SOMETHING', 'could not use postgres://app:secret@db:5432/app'),
    );
    expect(error.message).not.toContain('secret');
    expect(error.message).toContain('postgres://db:5432/app');
  });

  it('names a socket folder given as ?host=', () => {
    const error = postgresOpenError(
      'postgres://app@/app?host=/var/run/postgresql',
      socketError('ENOENT', 'connect ENOENT /var/run/postgresql/.s.PGSQL.5432'),
    );
    expect(error.message).toMatch(/^cannot connect to PostgreSQL at \/var\/run\/postgresql \(/);
  });
});

describe('pgliteOpenError', () => {
  it("names the cause of PGlite's errno objects, which are not Errors", () => {
    // What PGlite 0.5 throws for a folder on a read-only file system.
    const thrown = { name: 'ErrnoError', errno: 69 };
    const error = pgliteOpenError('/srv/db', 'open the embedded database in', thrown);
    expect(error.setting).toBe('pgliteDir');
    expect(error.message).toBe(
      'cannot open the embedded database in /srv/db (read-only file system, EROFS)',
    );
  });

  it('keeps an errno it has no name for', () => {
    const error = pgliteOpenError('/srv/db', 'open the embedded database in', {
      name: 'ErrnoError',
      errno: 999,
    });
    expect(error.message).toBe(
      'cannot open the embedded database in /srv/db (file system error 999)',
    );
  });
});
