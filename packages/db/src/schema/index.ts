export * from './articles';
export * from './audit';
export * from './comments';
export * from './counters';
export * from './credentials';
export * from './mail';
export * from './social';
export * from './users';
