// Empties a database for `pnpm db:reset`: every table, view, function and type Conduit's migrations
// made, and drizzle's record of them, so the next migration starts from nothing.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { createDb, type Database, IN_MEMORY } from './client';

export interface ResetTarget {
  url: string | undefined;
  pgliteDir: string;
  /** Behind a transaction pooler (DATABASE_DIRECT_URL, DATABASE_PREPARED_STATEMENTS). */
  directUrl?: string | undefined;
  prepare?: boolean | undefined;
}

/** Says which database a reset would empty, never with its password. */
export function describeTarget({ url, pgliteDir }: ResetTarget): string {
  if (!url) return `the embedded database in ${pgliteDir}`;
  const parsed = new URL(url);
  return `PostgreSQL database ${parsed.pathname.slice(1) || '(default)'} on ${parsed.host}`;
}

export class ResetRefused extends Error {}

/**
 * Empties the target and migrates it afresh. The embedded database's folder is deleted outright
 * (only if it is one: a PG_VERSION file, or nothing at all, inside), so a damaged one can be reset
 * too; on PostgreSQL the objects of the `public` schema and the `drizzle` schema are dropped, and
 * nothing else on the server is touched.
 */
export async function resetDatabase(target: ResetTarget): Promise<void> {
  if (!target.url) {
    if (target.pgliteDir === IN_MEMORY)
      throw new ResetRefused('An in-memory database has nothing to reset');
    await removePgliteFolder(target.pgliteDir);
  }
  const conn = await createDb({ ...target, poolMax: 1 });
  try {
    if (target.url) await dropEverything(conn.db);
    await conn.migrate();
  } finally {
    await conn.close();
  }
}

async function removePgliteFolder(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const entries = await readdir(dir);
  if (entries.length > 0 && !entries.includes('PG_VERSION')) {
    throw new ResetRefused(
      `${dir} does not look like an embedded database (no PG_VERSION): left as it is`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

async function dropEverything(db: Database): Promise<void> {
  // One statement each, names quoted by PostgreSQL itself (format's %I, regprocedure).
  await db.execute(sql`
    do $$
    declare item record;
    begin
      for item in
        select format('drop %s if exists %I.%I cascade',
                 case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                   when 'S' then 'sequence' else 'table' end,
                 n.nspname, c.relname) as statement
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S')
          and not exists (select 1 from pg_depend d
                          where d.objid = c.oid and d.deptype in ('e', 'a', 'i'))
      loop execute item.statement; end loop;
      for item in
        select format('drop function if exists %s cascade', p.oid::regprocedure) as statement
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public'
          and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
      loop execute item.statement; end loop;
      for item in
        select format('drop type if exists %I.%I cascade', n.nspname, t.typname) as statement
        from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = 'public' and t.typtype in ('e', 'd')
          and not exists (select 1 from pg_depend d where d.objid = t.oid and d.deptype = 'e')
      loop execute item.statement; end loop;
    end $$`);
  await db.execute(sql`drop schema if exists drizzle cascade`);
}
