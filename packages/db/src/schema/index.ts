export * from './articles';
export * from './audit';
export * from './comments';
export * from './social';
export * from './users';
