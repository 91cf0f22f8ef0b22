// The fixed calendar of the demo data: every timestamp derives from these dates, never from the clock.

/** Nothing seeded happens after this moment. */
export const SEED_EPOCH_END = Date.UTC(2026, 0, 1);
/** Articles span the two years before SEED_EPOCH_END. */
export const ARTICLES_FROM = Date.UTC(2024, 0, 1);
/** Accounts are opened from six months before the first article... */
export const USERS_FROM = Date.UTC(2023, 6, 1);
/** ...until three months before the end, so even the newest members have some history. */
export const USERS_UNTIL = Date.UTC(2025, 9, 1);

export const MINUTE = 60_000;

/**
 * The moment at `position` (0..1) of the way from `from` to `until` on a growing site: the curve
 * is concave, so later stretches hold more events (more sign-ups, more articles).
 */
export function growthMoment(from: number, until: number, position: number): number {
  return from + Math.floor((until - from) * position ** 0.8);
}

/**
 * A moment after `after` (by at least a minute) and, room permitting, before SEED_EPOCH_END;
 * a higher `skew` keeps it closer to `after` (comments come soon after an article, mostly).
 */
export function momentAfter(after: number, fraction: number, skew: number): number {
  const room = Math.max(0, SEED_EPOCH_END - after - MINUTE);
  return after + MINUTE + Math.floor(room * fraction ** skew);
}
