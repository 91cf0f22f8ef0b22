// Where a generated avatar lives: the server draws one for any seed at this path (apps/server
// plugins/avatars.ts), and the demo data stores its address as users' `image` (seed/content.ts),
// so seeded pictures come from the site itself, never a third party (decision 033). The version is
// in the path because the drawings are cached as immutable: a new way of drawing is a new address.

/** What a seed may be: a username's characters, bounded (it is part of a URL). */
export const AVATAR_SEED = /^[A-Za-z0-9_-]{1,64}$/;

/** The route's path, with `:seed` ending in `.svg`. */
export const AVATAR_ROUTE = '/avatars/v1/:file';

/**
 * A generated avatar's absolute address on the site at `origin`: `image` is a URL to every client
 * (RealWorld front ends on other origins too, and the database's check says so).
 */
export function avatarUrl(origin: string, seed: string): string {
  if (!AVATAR_SEED.test(seed)) throw new RangeError(`avatar seed ${JSON.stringify(seed)}`);
  return `${origin.replace(/\/+$/, '')}/avatars/v1/${seed}.svg`;
}
