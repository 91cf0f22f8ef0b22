// A reference of the tRPC procedures, read from the router itself (never written by hand).
import type { AnyProcedure, AnyRouter } from '@trpc/server';
import { type ZodType, z } from 'zod';
import { type TokenReach, tokenReach } from './access-token-policy';
import type { ProcedureMeta } from './trpc';

export interface ProcedureReference {
  path: string;
  kind: 'query' | 'mutation' | 'subscription';
  access: ProcedureMeta['access'];
  /** The scope a personal access token needs to call it, or `refused` (decision 028). */
  accessTokens: TokenReach;
  /** JSON Schema of the input, or null for procedures without one. */
  input: unknown;
}

export function describeProcedures(router: AnyRouter): ProcedureReference[] {
  const procedures = router._def.procedures as Record<string, AnyProcedure>;
  return Object.entries(procedures)
    .map(([path, procedure]) => {
      const def = procedure._def as {
        type: ProcedureReference['kind'];
        meta?: ProcedureMeta;
        inputs: unknown[];
      };
      const [input] = def.inputs;
      return {
        path,
        kind: def.type,
        access: def.meta?.access ?? 'anyone',
        accessTokens: tokenReach(def.meta, def.type),
        input:
          input instanceof z.ZodType
            ? z.toJSONSchema(input as ZodType, { io: 'input', unrepresentable: 'any' })
            : null,
      };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The reference as Markdown: one section per procedure. */
export function procedureReferenceMarkdown(router: AnyRouter): string {
  const lines = [
    '# tRPC procedures',
    '',
    'Generated from the router by `pnpm docs:generate`; do not edit.',
    '',
  ];
  for (const p of describeProcedures(router)) {
    const token = p.accessTokens === 'refused' ? 'refused' : `scope ${p.accessTokens}`;
    lines.push(
      `## \`${p.path}\``,
      '',
      `- kind: ${p.kind}`,
      `- who may call it: ${p.access}`,
      `- personal access tokens: ${token}`,
      '',
    );
    if (p.input)
      lines.push(
        'Input (JSON Schema):',
        '',
        '```json',
        JSON.stringify(p.input, null, 2),
        '```',
        '',
      );
    else lines.push('No input.', '');
  }
  return lines.join('\n');
}
