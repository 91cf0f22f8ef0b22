// Second-factor test helpers: a clock the test moves, codes computed with the library from the
// secret text the server showed (as an authenticator app would), and enrolment in one call.
import type { Database } from '@conduit/db';
import { Secret, TOTP } from 'otpauth';
import { callerFor, signUp } from './callers';
import { testLimiter } from './limiter';

const STEP_MS = 30_000;

/**
 * A clock 10 s into a time step a little ahead of the real one: sessions are stamped by the real
 * clock, so "now" stays just after their sign-in (sudo mode), and steps are where tests put them.
 */
export function testClock() {
  const start = (Math.floor(Date.now() / STEP_MS) + 1) * STEP_MS + 10_000;
  const clock = {
    at: new Date(start),
    now: () => clock.at,
    /** Moves the clock by whole 30-second steps (and optionally milliseconds). */
    advance(steps: number, ms = 0) {
      clock.at = new Date(clock.at.getTime() + steps * STEP_MS + ms);
    },
  };
  return clock;
}

export type TestClock = ReturnType<typeof testClock>;

/** The code an authenticator app holding `secretText` shows at `at`, `steps` steps away. */
export function codeAt(secretText: string, at: Date, steps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secretText), digits: 6, period: 30 });
  return totp.generate({ timestamp: at.getTime() + steps * STEP_MS });
}

/** Callers sharing the clock and one limiter, as one server would. */
export function clockedCallers(db: Database, clock: TestClock) {
  const limiter = testLimiter(clock.now);
  return (token?: string, jar?: Parameters<typeof callerFor>[2]) =>
    callerFor(db, token, jar, limiter, { now: clock.now });
}

/** A new account with two-factor on: its secret text and recovery codes. */
export async function signUpWithTwoFactor(db: Database, clock: TestClock) {
  const account = await signUp(db);
  const as = clockedCallers(db, clock);
  const me = as(account.token);
  const begun = await me.twoFactor.begin();
  const { recoveryCodes } = await me.twoFactor.enable({ code: codeAt(begun.secret, clock.at) });
  return { ...account, me, as, secret: begun.secret, recoveryCodes };
}
