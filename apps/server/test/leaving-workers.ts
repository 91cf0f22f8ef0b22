// A cluster whose workers stop as often as they can while clients keep opening connections, for
// cluster-leave.test.ts: run as `node --import tsx leaving-workers.ts <port> <stops>`, it prints
// one JSON line, { requests, failed, stops }. Each stopping worker closes its server and leaves at
// once (leaveParent), the narrowest gap there is between the two; the server's own gap (closing
// the database, flushing traces) only makes a lost connection rarer.
import cluster, { type Worker } from 'node:cluster';
import { createServer, get } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { leaveParent } from '../src/cluster-leave';

const port = Number(process.argv[2]);
const wantedStops = Number(process.argv[3] ?? 40);
const CLIENTS = 4;
/** Stops end here even if fewer were made: each waits for a worker to start (tsx compiles it). */
const DEADLINE_MS = 40_000;

if (cluster.isPrimary) {
  let replacing = true;
  cluster.on('exit', () => {
    if (replacing) cluster.fork();
  });
  for (let n = 0; n < 2; n++) cluster.fork();

  /** A GET on a connection of its own: its status, or the error's code. */
  const ask = () =>
    new Promise<number | string>((resolve) => {
      const request = get({ host: '127.0.0.1', port, agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      request.setTimeout(5000, () => request.destroy());
    });

  /** The workers that listen and have not been told to stop. */
  const listening = new Set<Worker>();
  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('exit', (worker) => listening.delete(worker));
  while (listening.size < 2) await delay(10);

  let requests = 0;
  const failed: Array<number | string> = [];
  let asking = true;
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (asking) {
      const status = await ask();
      requests++;
      if (status !== 200) failed.push(status);
    }
  });

  // Whenever both workers listen, one is told to stop; the primary starts another in its place.
  let stops = 0;
  const deadline = Date.now() + DEADLINE_MS;
  while (stops < wantedStops && Date.now() < deadline) {
    const [worker] = listening;
    if (listening.size === 2 && worker) {
      listening.delete(worker);
      worker.send('stop');
      stops++;
    }
    await delay(5);
  }
  asking = false;
  await Promise.all(clients);
  replacing = false;
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
  console.log(JSON.stringify({ requests, failed, stops }));
} else {
  const server = createServer((_request, response) => response.end('ok')).listen(port);
  process.on('message', (message) => {
    if (message !== 'stop') return;
    server.close();
    leaveParent();
  });
}
