// The shape of "download my data" (user.export, GET /api/user/export): documented from here.
import { z } from 'zod';

const isoTime = z.string().meta({ description: 'ISO 8601, UTC' });

export const accountExportSchema = z.object({
  format: z.literal('conduit-account-export'),
  version: z.literal(1),
  exportedAt: isoTime,
  profile: z.object({
    email: z.string(),
    emailVerified: z.boolean(),
    emailVerifiedAt: isoTime.nullable(),
    username: z.string(),
    bio: z.string().nullable(),
    image: z.string().nullable(),
    role: z.string(),
    createdAt: isoTime,
  }),
  articles: z.array(
    z.object({
      slug: z.string(),
      title: z.string(),
      description: z.string(),
      body: z.string().meta({ description: 'Markdown, as written' }),
      tagList: z.array(z.string()),
      favoritesCount: z.number().int(),
      createdAt: isoTime,
      updatedAt: isoTime,
    }),
  ),
  comments: z.array(
    z.object({
      id: z.number().int(),
      articleSlug: z.string(),
      body: z.string(),
      createdAt: isoTime,
    }),
  ),
  favorites: z.array(z.object({ articleSlug: z.string(), favoritedAt: isoTime })),
  following: z.array(z.object({ username: z.string(), since: isoTime })),
  sessions: z
    .array(
      z.object({
        userAgent: z.string().nullable(),
        ip: z.string().nullable(),
        createdAt: isoTime,
        lastUsedAt: isoTime,
        expiresAt: isoTime,
      }),
    )
    .meta({ description: 'Sessions open now' }),
  signIns: z
    .array(
      z.object({
        action: z.string(),
        at: isoTime,
        ip: z.string().nullable(),
        userAgent: z.string().nullable(),
      }),
    )
    .meta({ description: 'The newest 500 sign-in, sign-out and password events, newest first' }),
});

export type AccountExport = z.infer<typeof accountExportSchema>;
