// Where the log lines go: standard output, written in the background (decision 047). Written
// synchronously (pino's default), every line cost a system call on its request's way, and a reader
// of the output that stalled stalled the server. In the background, the lines that come while a
// write is under way go out together with the next one; pino writes what is left when the process
// exits, a crash included.
import pino from 'pino';

/**
 * Most bytes waiting to be written; beyond that, lines are dropped rather than held: a reader of
 * the output that stops reading must not take the server's memory with it.
 */
const MAX_WAITING_BYTES = 16 * 1024 * 1024;

/**
 * Most bytes in one write: whole lines only, and no more than a pipe takes in one piece (PIPE_BUF
 * on Linux), so the lines of WORKERS processes sharing one output never cut into each other.
 */
const MAX_WRITE_BYTES = 4096;

export function standardOutput(): pino.DestinationStream {
  return pino.destination({
    dest: 1,
    sync: false,
    maxLength: MAX_WAITING_BYTES,
    maxWrite: MAX_WRITE_BYTES,
  });
}
