// How a stopped server lets go of the process that started it, so its event loop can end.
import cluster from 'node:cluster';

/**
 * Closes the channel to a WORKERS primary (or to a parent that forked the server with one).
 *
 * A worker leaves by the cluster's own handshake (`cluster.worker.disconnect()`): it tells the
 * primary it is going and closes its end only once the primary has answered. Until its server
 * closed, the primary could have handed it one more connection; that message is on its way before
 * the primary's answer, so the worker reads it and hands the connection back (its server is gone)
 * for another worker to take. `process.disconnect()` closed the channel at once: a connection
 * still on its way was lost with it, and its client saw a reset (one failed request in a rolling
 * restart under CI's load).
 */
export function leaveParent(): void {
  if (!process.connected) return;
  if (cluster.isWorker && cluster.worker) cluster.worker.disconnect();
  else process.disconnect();
}
