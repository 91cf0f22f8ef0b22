// Drizzle's query helpers come from here, so packages above use one drizzle-orm: ours.

export type { AnyColumn, Placeholder, SQL, SQLWrapper } from 'drizzle-orm';
export {
  and,
  asc,
  count,
  desc,
  eq,
  exists,
  gt,
  gte,
  inArray,
  isNull,
  lt,
  lte,
  ne,
  not,
  or,
  sql,
} from 'drizzle-orm';
export * from './avatars';
export * from './client';
export * from './errors';
export * from './lookup';
export * from './order';
export * from './schema/index';
export * from './text';
