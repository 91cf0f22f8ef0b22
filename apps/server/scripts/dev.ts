// `pnpm dev`: turbo runs the server (restarted on change) and Vite, with the root .env read first
// (see dev-env.ts). Ctrl-C reaches turbo from the terminal; this process waits for it to finish.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { devEnvironment } from './dev-env';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const turbo = spawn('turbo', ['run', 'dev', '--env-mode=loose', ...process.argv.slice(2)], {
  cwd: root,
  env: devEnvironment(root, process.env),
  stdio: 'inherit',
});
// The terminal sends Ctrl-C to turbo as well; a SIGTERM sent to this process alone is passed on.
// Either way a stop is how a dev server is meant to end: exit 0, so pnpm reports no failure
// (turbo itself answers an interrupt with 130).
let stopped = false;
process.on('SIGINT', () => {
  stopped = true;
});
process.on('SIGTERM', () => {
  stopped = true;
  turbo.kill('SIGTERM');
});
turbo.on('error', (error) => {
  console.error(`pnpm dev: could not start turbo: ${error.message}`);
  process.exit(1);
});
turbo.on('exit', (code, signal) => {
  process.exit(stopped ? 0 : (code ?? (signal ? 1 : 0)));
});
