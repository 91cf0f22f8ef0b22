import { describe, expect, it } from 'vitest';
import { describeProcedures, procedureReferenceMarkdown } from './reference';
import { appRouter } from './root';

describe('procedure reference', () => {
  const reference = describeProcedures(appRouter);
  const byPath = new Map(reference.map((p) => [p.path, p]));

  it('lists every procedure of the router with its kind', () => {
    expect(reference.map((p) => p.path)).toEqual(Object.keys(appRouter._def.procedures).sort());
    expect(byPath.get('article.list')?.kind).toBe('query');
    expect(byPath.get('auth.login')?.kind).toBe('mutation');
    expect(byPath.get('comment.onCreated')?.kind).toBe('subscription');
  });

  it('says who may call each one, from the procedure kind it was built with', () => {
    expect(byPath.get('tag.list')?.access).toBe('anyone');
    expect(byPath.get('auth.me')?.access).toBe('signed-in user');
    expect(byPath.get('admin.setRole')?.access).toBe('admin');
  });

  it('describes inputs as JSON Schema with their limits', () => {
    const input = byPath.get('tag.list')?.input as { properties: { limit: { maximum: number } } };
    expect(input.properties.limit.maximum).toBe(100);
    expect(byPath.get('auth.me')?.input).toBeNull();
    expect(procedureReferenceMarkdown(appRouter)).toContain('## `admin.setRole`');
  });
});
