// The string every text input starts from: text PostgreSQL can store (see @conduit/db's text.ts).
// Checked first and alone, so a NUL or a lone surrogate is named as such, whatever else is wrong.
import { isStorableText, unstorableTextProblem } from '@conduit/db';
import { z } from 'zod';

export function text(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).refine(isStorableText, {
    error: (issue) => unstorableTextProblem(String(issue.input)),
    abort: true,
  });
}
