// The web app's build and dev server. In development the API runs on its own port (the server's
// `pnpm dev`) and this server proxies /trpc and /api to it, so the browser sees one origin, as in
// production, where the server serves the built files itself.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './vite-precompress';

const api = process.env.CONDUIT_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

export default defineConfig({
  plugins: [react(), precompress()],
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
