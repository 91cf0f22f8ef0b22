// @conduit/mail: what Conduit mails (templates), the outbox it is queued in, and its delivery.
export * from './listing';
export * from './outbox';
export * from './retry';
export * from './sender';
export * from './templates';
export * from './transports';
