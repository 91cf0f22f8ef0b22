// The writes phase's pure parts: what it sends, and how long it is counted.
import { createArticleInput, createCommentInput } from '@conduit/api';
import { describe, expect, it } from 'vitest';
import { measurementCount, parseOptions } from './cli';
import { benchWrites } from './phases/writes';
import type { ReadInputs } from './reads';

const inputs: ReadInputs = {
  slug: 'ünïcode-slug',
  title: 'A title',
  tag: 'tag',
  username: 'writer',
  token: 'token',
};

describe('the writes phase', () => {
  const [article, comment] = benchWrites(inputs);
  if (!article || !comment) throw new Error('expected two writes');

  it("sends each procedure an input it accepts, a new title in every request's", () => {
    expect(createArticleInput.safeParse(article.trpc.body).success).toBe(true);
    expect(createCommentInput.safeParse(comment.trpc.body).success).toBe(true);
    expect((article.trpc.body as { title: string }).title).toContain('[<id>]');
  });

  it('asks both surfaces for the same write', () => {
    expect(article.rest).toEqual({ path: '/api/articles', body: { article: article.trpc.body } });
    const { slug, ...fields } = comment.trpc.body as { slug: string; body: string };
    expect(slug).toBe(inputs.slug);
    expect(comment.rest).toEqual({
      path: `/api/articles/${encodeURIComponent(inputs.slug)}/comments`,
      body: { comment: fields },
    });
  });

  it('counts two writes over two surfaces per round', () => {
    const options = parseOptions(['--phases', 'writes', '--rounds', '3']);
    expect(measurementCount('writes', options)).toBe(12);
    expect(measurementCount('writes', { ...options, endpoints: ['comment.create'] })).toBe(6);
  });
});
