// @conduit/auth: sessions (the Lucia guide's way), passwords, roles and the audit log; talks to db only.
export * from './access-tokens';
export * from './account-tokens';
export * from './audit';
export * from './ending-sessions';
export * from './passwords';
export * from './roles';
export * from './session-notices';
export * from './sessions';
export * from './tokens';
