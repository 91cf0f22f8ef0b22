// Signing up and in, and the current user: RealWorld's /users, /users/login and /user.
import { loginInput, registerInput, updateUserInput } from '@conduit/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RestRouteOptions } from './caller';
import { envelope, failures, json, tokenRequired, userResponse } from './schemas';
import { loginRefusedSchema } from './two-factor';

const tags = ['User and Authentication'];

interface OwnAccount {
  email: string;
  username: string;
  bio: string | null;
  image: string | null;
}

/** The account as RealWorld shows it to its owner: with the token, without the role. */
export function realWorldUser(account: OwnAccount, token: string) {
  const { email, username, bio, image } = account;
  return { email, token, username, bio, image };
}

export const userRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures, headerToken },
) => {
  app.post(
    '/users/login',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'Login',
        summary: 'Existing user login',
        description:
          'Starts a session and returns its token (a new one at every sign-in). With two-factor authentication on, the right password answers 401 with `secondFactor`: finish at POST /users/login/second-factor.',
        body: envelope('user', loginInput),
        response: {
          200: json('User', userResponse),
          401: json('Wrong credentials, or a second factor needed', loginRefusedSchema),
          ...failures(422, 429),
        },
      },
    },
    async (request, reply) => {
      const { user, token } = await procedures(request, reply).auth.login(request.body.user);
      return { user: realWorldUser(user, token) };
    },
  );

  app.post(
    '/users',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'CreateUser',
        summary: 'Register a new user',
        description: 'Email and username are unique whatever their case; the answer is signed in.',
        body: envelope('user', registerInput),
        response: { 201: json('User', userResponse), ...failures(422, 429) },
      },
    },
    async (request, reply) => {
      const { user, token } = await procedures(request, reply).auth.register(request.body.user);
      reply.status(201);
      return { user: realWorldUser(user, token) };
    },
  );

  app.get(
    '/user',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'GetCurrentUser',
        summary: 'Get current user',
        security: tokenRequired,
        response: { 200: json('User', userResponse), ...failures(401) },
      },
    },
    async (request, reply) => {
      const { user } = await procedures(request, reply).auth.me();
      return { user: realWorldUser(user, headerToken(request)) };
    },
  );

  app.put(
    '/user',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'UpdateCurrentUser',
        summary: 'Update current user',
        description: [
          'Changes any of email, username, bio, image (an http or https URL; "" clears it) and password.',
          'Changing the password or the email is sensitive: within 10 minutes of signing in it',
          'goes through as the spec has it; later it also needs `currentPassword` (beyond the',
          'spec), so a long-lived stolen token alone cannot take the account over. A new',
          'password ends every other session. A new email (other than the current one in any',
          'case) takes effect only once the link mailed to it is opened: the answer still shows',
          'the current email (see POST /users/email-change/confirm).',
          'Other fields (such as the `token` some clients send back) are ignored.',
        ].join(' '),
        security: tokenRequired,
        // Stripped, not strict: unknown fields are dropped before the procedure sees them.
        body: envelope('user', updateUserInput.strip()),
        response: { 200: json('User', userResponse), ...failures(401, 422) },
      },
    },
    async (request, reply) => {
      const { user } = await procedures(request, reply).user.update(request.body.user);
      return { user: realWorldUser(user, headerToken(request)) };
    },
  );
};
