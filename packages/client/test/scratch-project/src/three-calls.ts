// An internal team's script: sign up, write an article with the token, read it back from the list.
// test/tarball.test.ts type-checks it in a scratch project and runs it against a live server.
import { createClient, type RouterOutputs } from '@conduit/client';

const url = process.argv[2] ?? 'http://localhost:3000';
const username = `scratch${Date.now()}`;

const { token, user } = await createClient({ url }).auth.register.mutate({
  email: `${username}@example.com`,
  username,
  password: 'correct horse battery',
});
const conduit = createClient({ url, token });

const { article } = await conduit.article.create.mutate({
  title: 'Installed from a tarball',
  description: 'outside the monorepo',
  body: 'Typed all the way.',
  tagList: ['Tarball'],
});

const page: RouterOutputs['article']['list'] = await conduit.article.list.query({
  author: user.username,
  limit: 5,
});

console.log(
  JSON.stringify({
    resolvedFrom: import.meta.resolve('@conduit/client'),
    username: user.username,
    slug: article.slug,
    listed: page.articles.map((listed) => ({ slug: listed.slug, tags: listed.tagList })),
    count: page.articlesCount,
  }),
);
