// A DDSketch-style quantile sketch: values fall into logarithmic buckets whose
// width guarantees a relative error of `alpha` on every quantile, and two
// sketches merge by adding bucket counts. Buckets are bounded: past `maxBins`
// the lowest ones collapse together, which only blurs the fastest samples, the
// ones routing cares least about.

export interface SketchData {
  /** Bucket index -> count, as parallel sorted arrays for compact JSON. */
  keys: number[];
  counts: number[];
  zeros: number;
  count: number;
  sum: number;
}

export class DDSketch {
  private readonly gamma: number;
  private readonly logGamma: number;
  private readonly bins = new Map<number, number>();
  private zeros = 0;
  count = 0;
  sum = 0;

  constructor(
    readonly alpha = 0.02,
    readonly maxBins = 512,
  ) {
    this.gamma = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gamma);
  }

  add(value: number, weight = 1): void {
    if (!(value >= 0) || !Number.isFinite(value)) return;
    this.count += weight;
    this.sum += value * weight;
    if (value < 1e-9) {
      this.zeros += weight;
      return;
    }
    const key = Math.ceil(Math.log(value) / this.logGamma);
    this.bins.set(key, (this.bins.get(key) ?? 0) + weight);
    if (this.bins.size > this.maxBins) this.collapseLowest();
  }

  /** Several quantiles (ascending order not required) with one sort of the buckets. */
  quantiles(qs: readonly number[]): number[] {
    if (this.count === 0) return qs.map(() => Number.NaN);
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    return qs.map((q) => this.quantileOver(keys, q));
  }

  /** The value at quantile q in [0, 1], within relative error alpha; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    return this.quantileOver([...this.bins.keys()].sort((a, b) => a - b), q);
  }

  /** `keys`: the bucket keys in ascending order. */
  private quantileOver(keys: readonly number[], q: number): number {
    const rank = Math.max(0, Math.min(1, q)) * (this.count - 1);
    if (rank < this.zeros || keys.length === 0) return 0;
    let seen = this.zeros;
    for (const key of keys) {
      seen += this.bins.get(key)!;
      if (seen > rank) return this.valueOf(key);
    }
    return this.valueOf(keys[keys.length - 1]!);
  }

  /** The bucket's representative value: within alpha of everything in it. */
  private valueOf(key: number): number {
    return (2 * Math.pow(this.gamma, key)) / (this.gamma + 1);
  }

  merge(other: DDSketch): void {
    for (const [key, n] of other.bins) this.bins.set(key, (this.bins.get(key) ?? 0) + n);
    this.zeros += other.zeros;
    this.count += other.count;
    this.sum += other.sum;
    while (this.bins.size > this.maxBins) this.collapseLowest();
  }

  /** Multiplies every count by `factor` (0..1): old history fades, shape stays. */
  decay(factor: number): void {
    // The count is rebuilt from what is kept, so dropped buckets leave no phantom weight.
    this.zeros *= factor;
    let count = this.zeros;
    for (const [key, n] of this.bins) {
      const kept = n * factor;
      if (kept < 0.01) this.bins.delete(key);
      else {
        this.bins.set(key, kept);
        count += kept;
      }
    }
    this.sum *= count / Math.max(this.count, 1e-12) || 0;
    this.count = count;
  }

  toJSON(): SketchData {
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    return { keys, counts: keys.map((k) => round(this.bins.get(k)!)), zeros: round(this.zeros), count: round(this.count), sum: round(this.sum) };
  }

  static from(data: SketchData | undefined, alpha = 0.02, maxBins = 512): DDSketch {
    const sketch = new DDSketch(alpha, maxBins);
    if (!data) return sketch;
    data.keys.forEach((key, i) => sketch.bins.set(key, data.counts[i] ?? 0));
    sketch.zeros = data.zeros;
    sketch.count = data.count;
    sketch.sum = data.sum;
    return sketch;
  }

  private collapseLowest(): void {
    const sorted = [...this.bins.keys()].sort((a, b) => a - b);
    const [lowest, next] = sorted;
    if (lowest === undefined || next === undefined) return;
    this.bins.set(next, this.bins.get(next)! + this.bins.get(lowest)!);
    this.bins.delete(lowest);
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
