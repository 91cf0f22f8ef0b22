// Failures already known, in code being changed elsewhere: counted and reported, not failed,
// unless the fuzzer runs strict. Remove an entry once its fix has landed. (The NUL and lone
// surrogate 500s, tRPC taking prototype keys, CSRF passing cookie changes without an origin and
// Fastify's own shape and 400 for a path that does not decode, and tRPC's early refusals sent as
// text/plain, were here until their fixes landed.)
import type { Outcome } from './send';
import type { FuzzRequest } from './wire';

interface KnownBug {
  id: string;
  matches(problem: string, request: FuzzRequest, outcome: Outcome): boolean;
}

const KNOWN_BUGS: KnownBug[] = [];

/** The id of the known bug a problem is, if any. */
export function knownBugOf(
  problem: string,
  request: FuzzRequest,
  outcome: Outcome,
): string | undefined {
  return KNOWN_BUGS.find((bug) => bug.matches(problem, request, outcome))?.id;
}
