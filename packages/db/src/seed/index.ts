// Demo data for Conduit: `seedDatabase(db, { users, articles, seed })`; the CLI is `pnpm db:seed`.
export { SEED_PASSWORD, SEED_PASSWORD_HASH } from './population';
export { Random } from './random';
export { type SeedOptions, type SeedStats, seedDatabase } from './seed';
export { countUsers } from './writer';
