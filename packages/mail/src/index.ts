// @conduit/mail: what Conduit mails (templates), the outbox it is queued in, and its delivery.
export * from './outbox';
export * from './templates';
