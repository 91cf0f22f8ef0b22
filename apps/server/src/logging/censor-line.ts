// Secret fields censored in the finished log line (pino's `streamWrite` hook), at any depth:
// credentials in headers (Authorization, cookies) and body fields (passwords, tokens), whatever a
// log line includes now or later. pino's own `redact` did this with wildcard paths (`*.password`,
// `*.*.password`...), which it walks on every line: 30 µs of the two lines each request logs,
// about a quarter of the server's time on a cached read. This scans the JSON text once, and
// reaches every depth where the paths reached three.
import { CENSOR } from './redact';

/** Keys whose value never reaches a log: header names as Node gives them, body field names. */
export const SECRET_KEYS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'secret',
] as const;

// A key is a quoted name after `{` or `,`: inside a JSON string every quote is escaped, so text
// such as `,"token":` in a logged string value is `,\"token\":` and never matches.
const SECRET_KEY = new RegExp(`[{,]"(?:${SECRET_KEYS.join('|')})":`, 'g');
const CENSORED = JSON.stringify(CENSOR);

/** Where the JSON value starting at `start` ends (exclusive). `line` is pino's valid JSON. */
function valueEnd(line: string, start: number): number {
  let depth = 0;
  let index = start;
  while (index < line.length) {
    const char = line[index];
    if (char === '"') {
      index = stringEnd(line, index);
      if (depth === 0) return index;
      continue;
    }
    if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') {
      // A closing bracket at depth 0 belongs to the object holding the value (a number's end).
      if (depth === 0) return index;
      depth -= 1;
      if (depth === 0) return index + 1;
    } else if (char === ',' && depth === 0) return index;
    index += 1;
  }
  return index;
}

/** The index after the closing quote of the string whose opening quote is at `start`. */
function stringEnd(line: string, start: number): number {
  let index = start + 1;
  while (index < line.length) {
    const char = line[index];
    if (char === '\\') index += 2;
    else if (char === '"') return index + 1;
    else index += 1;
  }
  return index;
}

/** The log line with the value of every secret key replaced by the censor. */
export function censorLine(line: string): string {
  SECRET_KEY.lastIndex = 0;
  let match = SECRET_KEY.exec(line);
  if (match === null) return line;
  let censored = '';
  let copied = 0;
  while (match !== null) {
    const start = match.index + match[0].length;
    const end = valueEnd(line, start);
    censored += line.slice(copied, start) + CENSORED;
    copied = end;
    SECRET_KEY.lastIndex = end;
    match = SECRET_KEY.exec(line);
  }
  return censored + line.slice(copied);
}
