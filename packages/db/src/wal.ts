// Positions in PostgreSQL's write-ahead log (LSNs) and how far behind the primary a replica is, in
// time. PostgreSQL tells a replica's position in bytes (pg_last_wal_replay_lsn); an operator thinks
// in seconds, and bytes say nothing about time when the primary is idle. So the poller keeps a
// short history of the primary's positions and when each was first seen: a replica's lag is how
// long ago the primary was first seen past where the replica is now.

/** An LSN (`16/B374D848`) as a number of bytes from the start of the log. */
export type Lsn = bigint;

/** Parses PostgreSQL's text form of an LSN (two hexadecimal halves). */
export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text);
  if (!match) throw new Error(`not an LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  const hex = (value: bigint) => value.toString(16).toUpperCase();
  return `${hex(lsn >> 32n)}/${hex(lsn & 0xffffffffn)}`;
}

interface Sample {
  lsn: Lsn;
  /** When this position was first seen on the primary (ms, this process's clock). */
  at: number;
}

export class WalHistory {
  #samples: Sample[] = [];

  /** @param keepMs how long positions are remembered: at least the most lag that matters. */
  constructor(readonly keepMs: number) {}

  /** The primary's position at `at`. A position already seen keeps its first time. */
  record(lsn: Lsn, at: number): void {
    const last = this.#samples.at(-1);
    if (!last || lsn > last.lsn) this.#samples.push({ lsn, at });
    // Keep one sample older than the window: it says the primary was past `lsn` already then.
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? at) < at - this.keepMs) {
      this.#samples.shift();
    }
  }

  /** The primary's latest known position, if any was recorded. */
  latest(): Lsn | undefined {
    return this.#samples.at(-1)?.lsn;
  }

  /**
   * How long ago (ms before `now`) the primary was first seen beyond `replayed`; 0 when the
   * replica has replayed everything seen so far. Older than the history: at least `keepMs`.
   */
  lagMs(replayed: Lsn, now: number): number {
    const ahead = this.#samples.find((sample) => sample.lsn > replayed);
    return ahead ? Math.max(0, now - ahead.at) : 0;
  }
}
