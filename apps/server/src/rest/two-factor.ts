// The second factor over REST, beside RealWorld's routes: finishing a sign-in that
// POST /users/login left pending, and the signed-in user's enrolment under /user/two-factor.
import { enableTwoFactorInput, loginSecondFactorInput, sudoInput } from '@conduit/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RestRouteOptions } from './caller';
import {
  envelope,
  failures,
  genericErrorSchema,
  json,
  noContent,
  tokenRequired,
  userResponse,
} from './schemas';

const tags = ['User and Authentication'];

/** POST /users/login's 401: wrong credentials, or (with `secondFactor`) a second factor needed. */
export const loginRefusedSchema = genericErrorSchema
  .extend({
    secondFactor: z
      .object({
        required: z.literal(true),
        token: z.string().meta({
          description:
            'Send it with a code to POST /api/users/login/second-factor; single use, valid 5 minutes',
        }),
        expiresAt: z.string(),
      })
      .optional(),
  })
  .meta({ description: 'RealWorld errors, and `secondFactor` when the password was right' });

const statusSchema = z.object({
  enabled: z.boolean(),
  enabledAt: z.string().nullable(),
  pending: z.boolean().meta({ description: 'Begun, not yet confirmed with a code' }),
  recoveryCodesLeft: z.number().int(),
});

const recoveryCodesSchema = z
  .array(z.string())
  .meta({ description: 'Ten single-use codes, shown this once: only their hashes are kept' });

const begunSchema = z.object({
  otpauthUri: z.string().meta({ description: 'What authenticator apps read (RFC 6238)' }),
  secret: z.string().meta({ description: 'The secret in base32, for typing in by hand' }),
  qrCode: z.string().meta({ description: 'The URI as a QR code: a data: URL of an SVG image' }),
});

/** Sudo mode's proof, optional (not needed within 10 minutes of signing in); no body is fine. */
const sudoBody = z.object({ twoFactor: sudoInput }).nullish();

export const twoFactorRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures },
) => {
  app.post(
    '/users/login/second-factor',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'LoginSecondFactor',
        summary: 'Finish a sign-in with a second factor',
        description: [
          'When POST /users/login answers 401 with `secondFactor`, the password was right but the',
          'account has two-factor authentication on: send its token here with the 6-digit `code`',
          'from the authenticator app, or one of the `recoveryCode`s. Answers like a login.',
          'Five wrong codes end the pending sign-in; ten in 15 minutes pause the account’s.',
        ].join(' '),
        body: envelope('user', loginSecondFactorInput),
        response: { 200: json('User', userResponse), ...failures(401, 422, 429) },
      },
    },
    async (request, reply) => {
      const { user, token } = await procedures(request, reply).auth.loginSecondFactor(
        request.body.user,
      );
      const { email, username, bio, image } = user;
      return { user: { email, token, username, bio, image } };
    },
  );

  app.get(
    '/user/two-factor',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'GetTwoFactor',
        summary: 'Whether two-factor authentication is on',
        security: tokenRequired,
        response: {
          200: json('Two-factor state', z.object({ twoFactor: statusSchema })),
          ...failures(401),
        },
      },
    },
    async (request, reply) => ({
      twoFactor: await procedures(request, reply).twoFactor.status(),
    }),
  );

  app.post(
    '/user/two-factor',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'BeginTwoFactor',
        summary: 'Start setting up two-factor authentication',
        description: [
          'A new secret, not in use until confirmed at /user/two-factor/enable. Sensitive: more',
          'than 10 minutes after signing in it needs `{"twoFactor":{"currentPassword":...}}`.',
          '422 naming `twoFactor` when it is already on.',
        ].join(' '),
        security: tokenRequired,
        body: sudoBody,
        response: {
          200: json('A new secret', z.object({ twoFactor: begunSchema })),
          ...failures(401, 422, 429),
        },
      },
    },
    async (request, reply) => ({
      twoFactor: await procedures(request, reply).twoFactor.begin(request.body?.twoFactor),
    }),
  );

  app.post(
    '/user/two-factor/enable',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'EnableTwoFactor',
        summary: 'Turn two-factor authentication on with a code from the new secret',
        security: tokenRequired,
        body: envelope('twoFactor', enableTwoFactorInput),
        response: {
          200: json(
            'On; the recovery codes',
            z.object({
              twoFactor: z.object({ enabled: z.literal(true), recoveryCodes: recoveryCodesSchema }),
            }),
          ),
          ...failures(401, 422),
        },
      },
    },
    async (request, reply) => ({
      twoFactor: await procedures(request, reply).twoFactor.enable(request.body.twoFactor),
    }),
  );

  app.post(
    '/user/two-factor/recovery-codes',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'RegenerateRecoveryCodes',
        summary: 'Replace the recovery codes',
        description:
          'Sensitive, like BeginTwoFactor. 422 naming `twoFactor` while two-factor is off.',
        security: tokenRequired,
        body: sudoBody,
        response: {
          200: json(
            'The new recovery codes',
            z.object({ twoFactor: z.object({ recoveryCodes: recoveryCodesSchema }) }),
          ),
          ...failures(401, 422, 429),
        },
      },
    },
    async (request, reply) => ({
      twoFactor: await procedures(request, reply).twoFactor.regenerateRecoveryCodes(
        request.body?.twoFactor,
      ),
    }),
  );

  app.delete(
    '/user/two-factor',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'DisableTwoFactor',
        summary: 'Turn two-factor authentication off',
        description:
          'Sensitive, like BeginTwoFactor. Removes the secret and the recovery codes. Idempotent.',
        security: tokenRequired,
        body: sudoBody,
        response: { 204: noContent, ...failures(401, 422, 429) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).twoFactor.disable(request.body?.twoFactor);
      return reply.status(204).send(null);
    },
  );
};
