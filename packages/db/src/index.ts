// Drizzle's query helpers come from here, so packages above use one drizzle-orm: ours.

export type { AnyColumn, SQL } from 'drizzle-orm';
export {
  and,
  asc,
  count,
  desc,
  eq,
  exists,
  getTableColumns,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  ne,
  not,
  notExists,
  or,
  sql,
} from 'drizzle-orm';
export { alias } from 'drizzle-orm/pg-core';
export * from './client';
export * from './errors';
export * from './lookup';
export * from './order';
export * from './schema/index';
