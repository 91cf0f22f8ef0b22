// Runs a long-lived development command (`pnpm dev`'s server, Vite, turbo itself) and, when it is
// stopped with Ctrl-C or SIGTERM, exits 0: stopping a dev server is how it is meant to end, so
// pnpm should not report "Command failed" for each process of the tree. Any other exit keeps its
// code, so a crash still fails. Usage: node scripts/until-stopped.mjs <command> [args…]
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/until-stopped.mjs <command> [args…]');
  process.exit(2);
}
const child = spawn(command, args, { stdio: 'inherit' });
let stopped = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopped) return;
    stopped = true;
    // A terminal's Ctrl-C reaches the child at the same moment (one process group), and a second
    // one makes tsx watch kill the server mid-shutdown: the signal is passed on only if the child
    // is still running after a grace period (a stop sent to this process alone).
    setTimeout(() => child.kill(signal), 10_000).unref();
  });
}
child.on('error', (error) => {
  console.error(`${command}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(stopped ? 0 : (code ?? (signal ? 1 : 0)));
});
