// RealWorld spec: GET /profiles/{username}, POST and DELETE /profiles/{username}/follow.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { freshName } from '../../test/http';
import { api, errorsOf, type SignedUp, signUp } from './testing';

let app: FastifyInstance;
let reader: SignedUp;
let writer: SignedUp;

beforeAll(async () => {
  app = await buildTestApp();
  [reader, writer] = [await signUp(app), await signUp(app)];
});
afterAll(() => app.close());

const profileOf = (account: SignedUp, following: boolean) => ({
  profile: { username: account.username, bio: null, image: null, following },
});

describe('GET /api/profiles/:username', () => {
  it('answers anyone, with following false and no personal caching rule', async () => {
    const res = await api(app, 'GET', `/api/profiles/${writer.username}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(profileOf(writer, false));
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('finds the profile whatever the case of the name', async () => {
    const res = await api(app, 'GET', `/api/profiles/${writer.username.toUpperCase()}`);
    expect(res.json()).toEqual(profileOf(writer, false));
  });

  it('answers 404 for an unknown username', async () => {
    const res = await api(app, 'GET', `/api/profiles/${freshName()}`);
    expect(res.statusCode).toBe(404);
    expect(errorsOf(res)).toEqual([expect.stringMatching(/^No profile named /)]);
  });

  it('answers 422 for a name no account can have', async () => {
    const res = await api(app, 'GET', '/api/profiles/not%20a%20name');
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual(['username may contain only letters, digits, _ and -']);
  });
});

describe('POST and DELETE /api/profiles/:username/follow', () => {
  it('follows and unfollows, idempotently, and the profile shows it to the follower only', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await api(app, 'POST', `/api/profiles/${writer.username}/follow`, {
        token: reader.token,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(profileOf(writer, true));
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const seen = await api(app, 'GET', `/api/profiles/${writer.username}`, { token: reader.token });
    expect(seen.json()).toEqual(profileOf(writer, true));
    expect(seen.headers['cache-control']).toBe('no-store');
    const anonymous = await api(app, 'GET', `/api/profiles/${writer.username}`);
    expect(anonymous.json()).toEqual(profileOf(writer, false));

    for (let i = 0; i < 2; i++) {
      const res = await api(app, 'DELETE', `/api/profiles/${writer.username}/follow`, {
        token: reader.token,
        scheme: 'Bearer',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(profileOf(writer, false));
    }
  });

  it('accepts the empty JSON body some clients send with these requests', async () => {
    const res = await api(app, 'POST', `/api/profiles/${writer.username}/follow`, {
      token: reader.token,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().profile.following).toBe(true);
  });

  it('answers 401 without a valid token', async () => {
    for (const method of ['POST', 'DELETE'] as const) {
      for (const request of [{}, { token: 'bad.token' }]) {
        const res = await api(app, method, `/api/profiles/${writer.username}/follow`, request);
        expect(res.statusCode).toBe(401);
        expect(errorsOf(res)).toEqual(['Sign in to do this']);
      }
    }
  });

  it('answers 404 for an unknown username', async () => {
    for (const method of ['POST', 'DELETE'] as const) {
      const res = await api(app, method, `/api/profiles/${freshName()}/follow`, {
        token: reader.token,
      });
      expect(res.statusCode).toBe(404);
    }
  });

  it('refuses following yourself with 422', async () => {
    const res = await api(app, 'POST', `/api/profiles/${reader.username}/follow`, {
      token: reader.token,
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual(['You cannot follow yourself']);
  });
});
