// Signing in with a passkey over REST, beside RealWorld's /users/login: options for the browser,
// then its answer for a session (the same procedures as tRPC's auth.passkeyOptions and
// auth.passkeyLogin). Managing passkeys is the web app's, over tRPC (passkey.*).
import { passkeyLoginInput } from '@conduit/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RestRouteOptions } from './caller';
import { failures, json, userResponse } from './schemas';
import { realWorldUser } from './users';

const tags = ['User and Authentication'];

const requestOptionsSchema = z
  .object({
    challenge: z.string().meta({ description: 'base64url; signed by the authenticator' }),
    rpId: z.string().optional(),
    timeout: z.number().optional(),
    userVerification: z.string().optional(),
    allowCredentials: z
      .array(
        z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() }),
      )
      .optional()
      .meta({ description: 'Empty: the authenticator offers the passkeys it holds for this site' }),
  })
  .meta({
    description:
      'PublicKeyCredentialRequestOptionsJSON (WebAuthn level 3): pass to `PublicKeyCredential.parseRequestOptionsFromJSON()` or @simplewebauthn/browser’s `startAuthentication()`',
  });

const optionsResponse = z.object({
  challengeId: z.string().meta({ description: 'Send it back with the answer, within 5 minutes' }),
  options: requestOptionsSchema,
});

export const passkeyRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures },
) => {
  app.post(
    '/users/passkey/options',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'PasskeyLoginOptions',
        summary: 'Start a passkey sign-in',
        description:
          'A fresh challenge (single use, valid 5 minutes) and the options for `navigator.credentials.get()`. Throttled per IP with the password sign-in’s attempts.',
        response: { 200: json('Options', optionsResponse), ...failures(429) },
      },
    },
    async (request, reply) => procedures(request, reply).auth.passkeyOptions(),
  );

  app.post(
    '/users/passkey/login',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'PasskeyLogin',
        summary: 'Sign in with a passkey',
        description: [
          'The browser’s answer (`PublicKeyCredential.toJSON()`, an AuthenticationResponseJSON)',
          'with the `challengeId` the options came with. A registered passkey, verified with user',
          'verification and a signature counter that did not go back, starts a session and returns',
          'its token, as /users/login does; it also satisfies a second factor. 401 when the passkey',
          'is unknown or its answer does not verify, 403 for a disabled account, 422 for a',
          'challenge that is unknown, used or expired.',
        ].join(' '),
        body: passkeyLoginInput,
        response: { 200: json('User', userResponse), ...failures(401, 403, 422, 429) },
      },
    },
    async (request, reply) => {
      const { user, token } = await procedures(request, reply).auth.passkeyLogin(request.body);
      return { user: realWorldUser(user, token) };
    },
  );
};
