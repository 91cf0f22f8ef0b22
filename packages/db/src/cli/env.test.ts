// What the command-line tools read from the environment, where it matters to what they write.
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnvironment } from './env';

const saved = { PUBLIC_ORIGIN: process.env.PUBLIC_ORIGIN, PORT: process.env.PORT };
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('cliEnvironment().publicOrigin (where db:seed points seeded pictures)', () => {
  it('is PUBLIC_ORIGIN without its trailing slash, as the server reads it', () => {
    process.env.PUBLIC_ORIGIN = 'https://conduit.example/';
    expect(cliEnvironment().publicOrigin).toBe('https://conduit.example');
  });

  it('is the server on localhost at PORT (3000 by default) when unset', () => {
    delete process.env.PUBLIC_ORIGIN;
    process.env.PORT = '3111';
    expect(cliEnvironment().publicOrigin).toBe('http://localhost:3111');
    delete process.env.PORT;
    expect(cliEnvironment().publicOrigin).toBe('http://localhost:3000');
  });
});
