// What one run sends: one request, a few in a row (so later ones meet the state earlier writes
// made: an article with an odd title, a user renamed), or a few at once (racing writes).
import fc from 'fast-check';
import { describeRequest } from './report';
import { mutationRequest } from './trpc-requests';
import type { Actor, FuzzRequest } from './wire';
import { type Signer, WORLD } from './world';

export interface Scenario {
  steps: FuzzRequest[];
  /** Sent all at once rather than one after the other. */
  concurrent: boolean;
}

function scenario(steps: FuzzRequest[], concurrent: boolean): Scenario {
  const value = { steps, concurrent };
  return Object.defineProperty(value, fc.toStringMethod, {
    value: () =>
      `${concurrent ? 'at once' : 'in a row'}:\n  ${steps.map(describeRequest).join('\n  ')}`,
    enumerable: false,
  });
}

export const single = (requests: fc.Arbitrary<FuzzRequest>): fc.Arbitrary<Scenario> =>
  requests.map((request) => scenario([request], false));

/** Two to four requests in a row, from any of `parts` (writes to make state, reads to meet it). */
export function sequences(parts: fc.Arbitrary<FuzzRequest>[]): fc.Arbitrary<Scenario> {
  return fc
    .array(fc.oneof(...parts), { minLength: 2, maxLength: 4 })
    .map((steps) => scenario(steps, false));
}

const token = (who: Signer): Actor => ({ who, via: 'token' });

/**
 * Valid writes that contend for one article, or one name, each by someone allowed to make it:
 * drawn at random, two would seldom meet on the same row at the same moment.
 */
const contendedWrites: fc.Arbitrary<FuzzRequest[]> = fc.oneof(
  fc
    .constantFrom(...WORLD.slugs)
    .chain((slug) =>
      fc.array(
        fc.constantFrom(
          mutationRequest('article.delete', { slug, reason: 'Raced' }, token('mona')),
          mutationRequest('article.update', { slug, tagList: ['raced', 'dragons'] }, token('mona')),
          mutationRequest('article.update', { slug, title: 'Raced title' }, token('ada')),
          mutationRequest('article.favorite', { slug }, token('alice')),
          mutationRequest('article.unfavorite', { slug }, token('alice')),
          mutationRequest('comment.create', { slug, body: 'Raced' }, token('alice')),
          mutationRequest('comment.delete', { slug, id: 1, reason: 'Raced' }, token('mona')),
        ),
        { minLength: 2, maxLength: 3 },
      ),
    ),
  fc.array(
    fc.constantFrom(
      mutationRequest(
        'auth.register',
        { email: 'raced@example.com', username: 'raced', password: 'raced password' },
        { who: 'anonymous' },
      ),
      mutationRequest('user.update', { username: 'raced' }, token('alice')),
      mutationRequest('user.update', { email: 'raced@example.com' }, token('mona')),
      mutationRequest('profile.follow', { username: 'zoe-z' }, token('alice')),
      mutationRequest('profile.unfollow', { username: 'zoe-z' }, token('alice')),
      mutationRequest('admin.setRole', { username: 'mona', role: 'user' }, token('ada')),
      mutationRequest('auth.logoutAll', {}, token('alice')),
    ),
    { minLength: 2, maxLength: 3 },
  ),
);

/**
 * Two or three writes at once: the same one repeated (a double click), different ones, or ones
 * contending for the same row.
 */
export function races(writes: fc.Arbitrary<FuzzRequest>): fc.Arbitrary<Scenario> {
  return fc.oneof(
    fc
      .tuple(writes, fc.integer({ min: 2, max: 3 }))
      .map(([request, copies]) => scenario(Array(copies).fill(request), true)),
    fc.array(writes, { minLength: 2, maxLength: 3 }).map((steps) => scenario(steps, true)),
    contendedWrites.map((steps) => scenario(steps, true)),
  );
}
