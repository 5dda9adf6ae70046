/**
 * A latency histogram over microseconds with about 0.4 % resolution: exact below 512 µs, then 256
 * sub-buckets per power of two (the HDR-histogram layout), so recording is a few integer
 * operations and histograms from several processes merge by adding counts.
 *
 * @module
 */

const SUB_BITS = 8;
const SUB = 1 << SUB_BITS;
/** Largest recordable value (µs); larger values are clamped to it (about 35 minutes). */
export const MAX_VALUE_US = 0x7fffffff;
/** Number of buckets in a histogram. */
export const BUCKET_COUNT = (31 - SUB_BITS + 1) * SUB;

/** The bucket index of a value in µs. */
export function bucketOf(us: number): number {
  const v = us <= 0 ? 0 : us >= MAX_VALUE_US ? MAX_VALUE_US : Math.floor(us);
  if (v < 2 * SUB) return v;
  const shift = 31 - Math.clz32(v) - SUB_BITS;
  return (shift + 1) * SUB + ((v >>> shift) & (SUB - 1));
}

/** The middle of a bucket's value range, in µs. */
export function valueOf(bucket: number): number {
  if (bucket < 2 * SUB) return bucket;
  const shift = Math.floor(bucket / SUB) - 1;
  const low = (SUB + (bucket % SUB)) * 2 ** shift;
  return low + (2 ** shift - 1) / 2;
}

/** Sparse form of a histogram for shipping between processes: [bucket, count] pairs. */
export type SparseHistogram = Array<[number, number]>;

/**
 * Counts of latencies per bucket.
 *
 * @example
 * ```ts
 * const h = new Histogram();
 * h.record(120); h.record(950);
 * h.percentile(0.5); // 120
 * ```
 */
export class Histogram {
  readonly counts = new Float64Array(BUCKET_COUNT);
  total = 0;
  maxUs = 0;

  /** Records one value in µs. */
  record(us: number): void {
    this.counts[bucketOf(us)]!++;
    this.total++;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Adds another histogram's counts (sparse form) to this one. */
  addSparse(sparse: SparseHistogram, maxUs: number): void {
    for (const [bucket, count] of sparse) {
      this.counts[bucket]! += count;
      this.total += count;
    }
    if (maxUs > this.maxUs) this.maxUs = maxUs;
  }

  /** The non-empty buckets as [bucket, count] pairs. */
  toSparse(): SparseHistogram {
    const out: SparseHistogram = [];
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const c = this.counts[i]!;
      if (c > 0) out.push([i, c]);
    }
    return out;
  }

  /** The value (µs) below which the fraction `q` of the recorded values fall; 0 when empty. */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(valueOf(i), this.maxUs);
    }
    return this.maxUs;
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxUs = 0;
  }
}
