// RealWorld's shapes: the envelopes around the procedures' inputs, and the answers as the spec
// names them (User, Profile, GenericErrorModel). Field rules are never restated here: request
// bodies wrap the procedures' own exported zod schemas, so route validation, the procedure and
// the OpenAPI document read one definition.
import { articleSummarySchema, articleViewSchema, commentViewSchema } from '@conduit/api';
import { z } from 'zod';

export const userSchema = z
  .object({
    email: z.string(),
    token: z.string().meta({
      description:
        'The session token, sent back as `Authorization: Token <token>`. Empty when the request was authenticated by the session cookie, which is never exposed to scripts.',
    }),
    username: z.string(),
    bio: z.string().nullable(),
    image: z.string().nullable(),
  })
  .meta({ id: 'User' });

export const profileSchema = z
  .object({
    username: z.string(),
    bio: z.string().nullable(),
    image: z.string().nullable(),
    following: z.boolean(),
  })
  .meta({ id: 'Profile' });

export const genericErrorSchema = z
  .object({ errors: z.object({ body: z.array(z.string()) }) })
  .meta({ id: 'GenericErrorModel' });

/** One article as RealWorld shows it: with its Markdown `body` (the rendered HTML is tRPC's). */
export const articleSchema = articleViewSchema
  .omit({ bodyHtml: true })
  .extend({ author: profileSchema })
  .meta({ id: 'Article' });

/** An article in a list: RealWorld's list items carry no `body`. */
export const articleListItemSchema = articleSummarySchema
  .extend({ author: profileSchema })
  .meta({ id: 'ArticleListItem' });

export const commentSchema = commentViewSchema
  .extend({ author: profileSchema })
  .meta({ id: 'Comment' });

export const userResponse = z.object({ user: userSchema });
export const profileResponse = z.object({ profile: profileSchema });
export const tagsResponse = z.object({ tags: z.array(z.string()) });
export const articleResponse = z.object({ article: articleSchema });
export const articlesResponse = z.object({
  articles: z.array(articleListItemSchema),
  articlesCount: z.number().int().meta({ description: 'How many articles match, in all pages' }),
});
export const commentResponse = z.object({ comment: commentSchema });
export const commentsResponse = z.object({ comments: z.array(commentSchema) });

/** The answer of a deletion: 204 and no body, as the spec says. */
export const noContent = z.null().meta({ description: 'Deleted: no content' });

/**
 * A number in a query string or a path, which arrives as text: coerced, then held to the
 * procedure's own rules (its checks are reused, not restated). Text that is no number is refused
 * naming the field.
 */
export function numberFromText(schema: z.ZodNumber, error = 'must be a number') {
  const checks = (schema._zod.def.checks ?? []) as z.core.$ZodCheck<number>[];
  return z.coerce.number({ error }).check(...checks);
}

/** The envelope RealWorld puts around a request body: `{ "user": {...} }`, `{ "article": {...} }`. */
export function envelope<K extends string, T extends z.ZodType>(key: K, inner: T) {
  return z.object({ [key]: inner } as Record<K, T>);
}

/** A JSON response with the description the OpenAPI document shows for it. */
export function json<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}

const failureDescriptions = {
  401: 'No valid token (`Authorization: Token <token>`)',
  403: 'The signed-in user may not do this (with REQUIRE_VERIFIED_EMAIL=true, writing needs a verified email)',
  404: 'Not found',
  413: 'The answer would be too large',
  422: 'The request is invalid: one message per problem, naming the field',
  429: 'Too many attempts: retry after the `Retry-After` header’s seconds',
} as const;

/** The error answers a route can give, all in RealWorld's `{"errors":{"body":[...]}}` format. */
export function failures<S extends keyof typeof failureDescriptions>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, json(failureDescriptions[status], genericErrorSchema)]),
  ) as Record<S, ReturnType<typeof json<typeof genericErrorSchema>>>;
}

/** `security` for a route that needs a token, and for one where a token is optional. */
export const tokenRequired: Record<string, string[]>[] = [{ Token: [] }];
export const tokenOptional: Record<string, string[]>[] = [{}, { Token: [] }];
