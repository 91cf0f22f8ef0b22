// A small seeded pseudo-random generator, so the same seed always yields the same demo data.

/** Mixes a 32-bit value into a well-spread one (the finaliser of MurmurHash3). */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a label into 32 bits (FNV-1a), to name independent streams. */
function hashLabel(label: string): number {
  let h = 0x811c_9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x0100_0193);
  }
  return h >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, a period of at
 * least 2^32 and good statistical quality; far more than demo data needs, and fast in plain JS.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any safe integer; both of its 32-bit halves count. */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer: ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
    this.a = mix32(low ^ 0x9e37_79b9);
    this.b = mix32(high ^ 0x243f_6a88);
    this.c = mix32(stream ^ 0xb7e1_5162);
    this.d = 1;
    // Warm up so that close seeds (1, 2, 3...) diverge at once.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** An independent generator for one part of the work, so adding to one part leaves the others unchanged. */
  fork(label: string): Random {
    return new Random(this.nextUint32() * 0x20_0000 + (this.nextUint32() >>> 11), hashLabel(label));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`bad integer range [${min}, ${max}]`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One item, each as likely as its weight (weights need not sum to 1). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length === 0 || items.length !== weights.length) {
      throw new RangeError('weighted() needs as many weights as items, and at least one');
    }
    let total = 0;
    for (const weight of weights) total += weight;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const swap = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = swap;
    }
    return copy;
  }

  /** A standard normal variate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * Geometric (failures before a success) with the given mean: 0 most often, then ever rarer
   * larger counts.
   */
  geometric(mean: number): number {
    if (!(mean > 0)) return 0;
    const q = mean / (1 + mean);
    return Math.floor(Math.log(1 - this.next()) / Math.log(q));
  }

  /** Log-normal: most values near exp(mu), a long tail of large ones (popularity, activity). */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }
}

/**
 * Picks indexes by weight in O(log n), optionally among only the first `limit` entries (e.g. the
 * users who had already signed up at a given date, since ids follow sign-up order).
 */
export class WeightedIndex {
  private readonly cumulative: Float64Array;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i] ?? 0;
      this.cumulative[i] = sum;
    }
  }

  get size(): number {
    return this.cumulative.length;
  }

  weight(index: number): number {
    return (this.cumulative[index] ?? 0) - (index > 0 ? (this.cumulative[index - 1] ?? 0) : 0);
  }

  pick(rng: Random, limit = this.cumulative.length): number {
    const end = Math.min(limit, this.cumulative.length);
    if (end <= 0) throw new RangeError('cannot pick from an empty range');
    const target = rng.next() * (this.cumulative[end - 1] ?? 0);
    let lo = 0;
    let hi = end - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf-like weights 1/rank^exponent for ranks 1..n: a few very common items, a long tail. */
export function zipfWeights(n: number, exponent = 1): number[] {
  return Array.from({ length: n }, (_, i) => 1 / (i + 1) ** exponent);
}
