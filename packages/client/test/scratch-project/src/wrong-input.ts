// Must not compile: `titel` is no field of article.create's input (test/tarball.test.ts checks
// that tsc refuses it and names the field).
import { createClient } from '@conduit/client';

const conduit = createClient({ url: 'http://localhost:3000', token: 'a-token' });

await conduit.article.create.mutate({
  titel: 'Misspelt',
  description: 'the field is title',
  body: 'x',
});
