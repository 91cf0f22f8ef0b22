// Totals that would otherwise be counted row by row on every read: one row per total, kept by
// triggers in the transaction of the write that changes it (migration 0001), never by code.
import { integer, pgTable, text } from 'drizzle-orm/pg-core';

/** The names in use; `articles` is every article on the site. */
export const counterNames = ['articles'] as const;

export const counters = pgTable('counters', {
  name: text('name', { enum: counterNames }).primaryKey(),
  value: integer('value').notNull(),
});
