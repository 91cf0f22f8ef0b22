// Failures as a person reads them: the request as sent (huge runs of one character shortened),
// the answer, the server's log lines, and what was wrong.
import fc from 'fast-check';
import type { Outcome } from './send';
import type { Actor, FuzzRequest } from './wire';

/** Text with runs of one character (over 16) written `<c×n>`, then cut at `max` characters. */
export function preview(text: string, max = 600): string {
  const shortened = text.replace(
    /([\s\S])\1{16,}/gu,
    (run, c: string) => `<${JSON.stringify(c).slice(1, -1)}×${[...run].length}>`,
  );
  const escaped = JSON.stringify(shortened).slice(1, -1);
  return escaped.length > max ? `${escaped.slice(0, max)}… (${text.length} characters)` : escaped;
}

export function describeActor(actor: Actor): string {
  if (actor.who === 'anonymous') return 'anonymous';
  if (actor.who === 'stranger') return `Authorization: ${preview(actor.authorization, 80)}`;
  return `${actor.who} by ${actor.via}`;
}

export function describeRequest(request: FuzzRequest): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`);
  return [
    `${request.method} ${preview(request.url)}  (${request.surface} ${preview(request.target, 120)}, as ${describeActor(request.actor)})`,
    ...headers,
    ...(request.body === undefined ? [] : [`body: ${preview(request.body)}`]),
  ].join('\n  ');
}

export function describeFailure(
  request: FuzzRequest,
  outcome: Outcome,
  problems: string[],
  log: string[],
): string {
  return [
    problems.join('; '),
    `  ${describeRequest(request)}`,
    `  → ${outcome.status} in ${Math.round(outcome.ms)} ms: ${preview(outcome.body, 400)}`,
    ...log.map((line) => `  log: ${preview(line, 600)}`),
  ].join('\n');
}

/** How to replay a run: the command, with the seed and fast-check's path to the run. */
export function replayCommand(surface: string, seed: number, path: string, strict = false): string {
  return `pnpm fuzz --surface ${surface} --seed ${seed} --path ${path}${strict ? ' --strict' : ''}`;
}

/** A failed check as a person reads it: what was wrong, with which request, how to replay it. */
export function failureReport<T extends unknown[]>(
  surface: string,
  details: fc.RunDetails<T>,
): string {
  if (!details.failed) return `${surface}: passed`;
  const error = details.errorInstance;
  const what =
    details.counterexample === null
      ? fc.defaultReportMessage(details)
      : error instanceof Error
        ? error.message
        : String(error);
  return [
    `fuzz ${surface}: failed after ${details.numRuns} runs (${details.numShrinks} shrinks)`,
    what,
    `replay: ${replayCommand(surface, details.seed, details.counterexamplePath ?? '')}`,
  ].join('\n');
}
