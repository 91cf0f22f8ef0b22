export * from './articles';
export * from './audit';
export * from './comments';
export * from './counters';
export * from './social';
export * from './users';
