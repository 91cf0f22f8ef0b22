// When a message that could not be sent is tried again, and when the sender gives up on it.

export interface RetryPolicy {
  /** The wait after the first failed attempt; each later one doubles it... */
  baseDelayMs: number;
  /** ...up to this. */
  maxDelayMs: number;
  /** After this many failed attempts the message is marked failed and never tried again. */
  maxAttempts: number;
  /** Each wait is scaled by a random factor within ±this (0.2: 80 % to 120 %). */
  jitter: number;
}

/**
 * 30 s, 1 min, 2 min ... 32 min, then hourly: the 30th attempt comes about 23 hours after the
 * first, so a mail server down for most of a day loses nothing, and a link that has expired by
 * then (verification links live 24 h, reset links 1 h) is not sent days late. Jitter spreads the
 * retries of many messages queued during one outage, so they do not all hit the server at once.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 30,
  jitter: 0.2,
};

/** How long to wait after failed attempt number `attempts` (1 for the first), jitter included. */
export function retryDelayMs(
  policy: RetryPolicy,
  attempts: number,
  random: () => number = Math.random,
): number {
  // 2 ** 40 is already far past any cap; bounding the exponent keeps the number finite.
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const factor = 1 - policy.jitter + 2 * policy.jitter * random();
  return Math.round(delay * factor);
}
