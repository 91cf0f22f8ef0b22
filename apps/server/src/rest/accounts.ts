// Mailed links beside RealWorld's user routes (issue 14; decision 019): password reset, email
// verification and email-change confirmation. Beyond the spec, in its style: `{"user":{...}}`
// bodies, 422 naming the field, and answers without bodies where there is nothing to say.
import { accountTokenInput, requestPasswordResetInput, resetPasswordInput } from '@conduit/api';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RestRouteOptions } from './caller';
import { envelope, failures, tokenRequired } from './schemas';

const tags = ['Accounts'];
const accepted = z
  .null()
  .meta({ description: 'Accepted: a mail is queued if there is one to send' });
const done = z.null().meta({ description: 'Done: no content' });

/** 202 and no body at all: `null` would be sent as the text "null". */
function acceptedWithoutBody(reply: FastifyReply) {
  return reply.status(202).send();
}

export const accountRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures },
) => {
  app.post(
    '/users/password-reset',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'RequestPasswordReset',
        summary: 'Mail a password-reset link',
        description: [
          'If an account has this address, mails it a link to `/reset-password#token=...` that',
          'works once, for an hour; a newer request replaces it. The answer is 202 either way,',
          'and takes about as long, so it tells nobody whether the address has an account.',
          'Limited per IP and per address (429 with `Retry-After`).',
        ].join(' '),
        body: envelope('user', requestPasswordResetInput),
        response: { 202: accepted, ...failures(422, 429) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).account.requestPasswordReset(request.body.user);
      return acceptedWithoutBody(reply);
    },
  );

  app.post(
    '/users/password-reset/confirm',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'ResetPassword',
        summary: 'Set a new password with a reset link',
        description: [
          'Sets the password with the token from the link (once), ends every session of the',
          'account and signs nobody in: sign in with the new password next. A used, expired,',
          'replaced or unknown token is refused with 422 naming `token`.',
        ].join(' '),
        body: envelope('user', resetPasswordInput),
        response: { 204: done, ...failures(422) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).account.resetPassword(request.body.user);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/user/email-verification',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'ResendEmailVerification',
        summary: 'Mail a new email-verification link',
        description:
          'Mails the current user a new link to `/verify-email#token=...` (valid 24 hours; the older one stops working), unless the address is verified already: 202 either way. Limited per account.',
        security: tokenRequired,
        response: { 202: accepted, ...failures(401, 429) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).account.resendVerification();
      return acceptedWithoutBody(reply);
    },
  );

  app.post(
    '/users/email-verification/confirm',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'VerifyEmail',
        summary: 'Confirm an email address with its link',
        description:
          'Marks the address the link was sent to as verified (once; no token needed). With `REQUIRE_VERIFIED_EMAIL=true`, writing (articles, comments, favorites, follows) answers 403 until then.',
        body: envelope('user', accountTokenInput),
        response: { 204: done, ...failures(422) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).account.verifyEmail(request.body.user);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/users/email-change/confirm',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'ConfirmEmailChange',
        summary: 'Make an email change take effect',
        description: [
          '`PUT /user` with a new email mails a link to the new address and changes nothing yet;',
          'this takes its token (once, within 24 hours), makes the new address the account’s',
          '(verified) and tells the old one. 422 naming `email` if it was taken meanwhile.',
        ].join(' '),
        body: envelope('user', accountTokenInput),
        response: { 204: done, ...failures(422) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).account.confirmEmailChange(request.body.user);
      return reply.status(204).send(null);
    },
  );
};
