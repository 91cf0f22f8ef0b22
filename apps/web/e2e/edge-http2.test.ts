// Through the shipped edge (nginx running deploy/nginx/conduit.conf, its TLS listener given a
// self-signed certificate): Chromium speaks HTTP/2, so ten open live-comment streams do not hold
// up an eleventh page or an API call. Over HTTP/1.1 a browser has six connections per host, and
// each open stream holds one. The streams are opened as EventSources in one page, whatever the
// app itself shares between tabs (live.test.ts), so what is tested here is the edge.
import {
  hasOpenssl,
  nginxBinary,
  selfSignedCertificate,
  startNginx,
} from '@conduit/server/testing/edge';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  blockExternalRequests,
  hasChromium,
  launchBrowser,
  signUp,
  startServer,
  type TestServer,
  watchProblems,
} from './harness';

const STREAMS = 10;

describe.skipIf(!hasChromium || !nginxBinary() || !hasOpenssl)(
  'the edge over HTTP/2 (needs Chromium, nginx and openssl)',
  () => {
    let server: TestServer;
    let certificate: Awaited<ReturnType<typeof selfSignedCertificate>>;
    let nginx: Awaited<ReturnType<typeof startNginx>>;
    let browser: Browser;

    beforeAll(async () => {
      server = await startServer({ TRUST_PROXY: 'loopback' });
      certificate = await selfSignedCertificate();
      nginx = await startNginx({
        upstreams: [new URL(server.origin).host],
        tls: { certFile: certificate.certFile, keyFile: certificate.keyFile },
      });
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await nginx?.stop();
      await server?.close();
      await certificate?.remove();
    });

    it('loads an eleventh page and an API call at once beside ten open live streams', async () => {
      const author = await signUp(server, 'edge');
      const { article } = await apiClient(server, author.token).article.create.mutate({
        title: `Read at the edge ${author.username}`,
        description: 'Ten streams open',
        body: 'Over one connection.',
        tagList: [],
      });
      const origin = nginx.tlsUrl ?? '';
      const context = await browser.newContext({ baseURL: origin, ignoreHTTPSErrors: true });
      const external = await blockExternalRequests(context);
      try {
        const streams = await context.newPage();
        const streamProblems = await watchProblems(streams, external);
        await streams.goto('/');
        expect(
          await streams.evaluate(
            () =>
              (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
                .nextHopProtocol,
          ),
        ).toBe('h2');
        const input = encodeURIComponent(JSON.stringify({ slug: article.slug }));
        const opened = await streams.evaluate(
          ({ url, count }) =>
            Promise.all(
              Array.from(
                { length: count },
                () =>
                  new Promise<number>((resolve, reject) => {
                    const source = new EventSource(url);
                    (window as unknown as { streams: EventSource[] }).streams ??= [];
                    (window as unknown as { streams: EventSource[] }).streams.push(source);
                    source.onopen = () => resolve(source.readyState);
                    source.onerror = () => reject(new Error('stream failed'));
                  }),
              ),
            ),
          { url: `/trpc/comment.onCreated?input=${input}`, count: STREAMS },
        );
        expect(opened).toEqual(Array(STREAMS).fill(1)); // EventSource.OPEN

        const page = await context.newPage();
        const problems = await watchProblems(page, external);
        const started = performance.now();
        await page.goto(`/article/${article.slug}`, { timeout: 10_000 });
        await page.getByRole('heading', { name: article.title }).waitFor({ timeout: 10_000 });
        const tags = await page.evaluate(async () => (await fetch('/trpc/tag.list')).status);
        console.log(
          `edge (nginx, HTTP/2, Chromium): an article page and an API call beside ${STREAMS} open streams in ${(performance.now() - started).toFixed(0)} ms`,
        );
        expect(tags).toBe(200);
        // The streams are still open.
        expect(
          await streams.evaluate(() =>
            (window as unknown as { streams: EventSource[] }).streams.map((s) => s.readyState),
          ),
        ).toEqual(Array(STREAMS).fill(1));
        expect(problems.all()).toEqual([]);
        expect(streamProblems.all()).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);
