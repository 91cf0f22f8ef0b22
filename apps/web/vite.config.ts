// The web app's build and dev server. In development the API runs on its own port (the server's
// `pnpm dev`) and this server proxies /trpc and /api to it, so the browser sees one origin, as in
// production, where the server serves the built files itself.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './vite-precompress';

// The app is written against React's API and types, and runs on Preact's implementation of it
// (decision 033): react-dom alone is 54 KB of Brotli, two thirds of the home page's 80 KB budget;
// Preact with its compatibility layer is 7 KB. The packages that import React (React Router,
// TanStack Query) get it too. Deleting this block brings React itself back, nothing else changes.
// Absolute paths: those packages cannot resolve `preact` themselves (pnpm keeps it ours).
const preact = realpathSync(fileURLToPath(new URL('node_modules/preact', import.meta.url)));
const onPreact = [
  { find: /^react-dom\/client$/, replacement: `${preact}/compat/client.mjs` },
  { find: /^react-dom$/, replacement: `${preact}/compat/dist/compat.mjs` },
  { find: /^react\/jsx-runtime$/, replacement: `${preact}/compat/jsx-runtime.mjs` },
  { find: /^react\/jsx-dev-runtime$/, replacement: `${preact}/compat/jsx-dev-runtime.mjs` },
  { find: /^react$/, replacement: `${preact}/compat/dist/compat.mjs` },
];

const api = process.env.CONDUIT_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

export default defineConfig({
  plugins: [react(), precompress()],
  resolve: { alias: onPreact },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.WEB_PORT ?? 5173),
    strictPort: true,
    proxy: { '/trpc': api, '/api': api, '/docs': api },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    // Every script is a file: the server's CSP allows no inline script.
    assetsInlineLimit: 0,
  },
});
