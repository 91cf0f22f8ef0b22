/**
 * The server's router as a client sees it: every procedure with its input, output and error shape,
 * but not the server's context (its database handle, caches, limiter...). tRPC clients never use
 * the context type, and leaving it out is what lets the published declarations (scripts/build.mjs)
 * carry no type of the server's internals: drizzle's tables, PGlite, postgres.js.
 *
 * Types only. The arrow functions below are never called: they exist because TypeScript writes an
 * inferred type out in full in declaration files, where a type alias would be written as a
 * reference back into @conduit/api (and from there to the context).
 */
import type { AppRouter as ServerRouter } from '@conduit/api';
import type { inferRouterInputs, inferRouterOutputs, TRPCBuiltRouter } from '@trpc/server';

declare const server: ServerRouter;

const procedures = () => server._def.record;
const errorShape = () => server._def._config.$types.errorShape;
const meta = () => server._def._config.$types.meta;

/** The router's type for `createTRPCClient<AppRouter>` and tRPC's other client libraries. */
export type AppRouter = TRPCBuiltRouter<
  {
    ctx: object;
    meta: ReturnType<typeof meta>;
    errorShape: ReturnType<typeof errorShape>;
    transformer: false;
  },
  ReturnType<typeof procedures>
>;

/** Each procedure's input: `RouterInputs['article']['create']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Each procedure's output: `RouterOutputs['article']['list']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
