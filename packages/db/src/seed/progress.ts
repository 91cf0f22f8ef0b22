// A small progress reporter for the seed CLI: a redrawn bar on a terminal, periodic lines otherwise.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const BAR_WIDTH = 20;
/** Redraws at most ~10 times a second on a terminal. */
const TTY_INTERVAL_MS = 100;
/** Plain lines, for logs, at most every few seconds. */
const LOG_INTERVAL_MS = 3_000;

export const formatCount = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `[#########...........] 45% 45,000/100,000 articles  12,345 rows/s` */
export function formatProgress(done: number, total: number, rowsPerSecond: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `${bar} ${percent} ${formatCount(done)}/${formatCount(total)} articles  ${formatCount(rowsPerSecond)} rows/s`;
}

export class ProgressReporter {
  private readonly startedAt: number;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly out: ProgressStream,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
  }

  update(done: number, total: number, rows: number): void {
    const now = this.now();
    const finished = done >= total;
    const interval = this.out.isTTY ? TTY_INTERVAL_MS : LOG_INTERVAL_MS;
    if (!finished && now - this.lastDrawAt < interval) return;
    this.lastDrawAt = now;
    const seconds = (now - this.startedAt) / 1000;
    const line = formatProgress(done, total, seconds > 0 ? rows / seconds : 0);
    if (this.out.isTTY) {
      this.out.write(`\r${line}\u001b[K`);
      this.drawn = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** Ends the bar's line, so that what follows starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
