/** One benchmark measure, printed as one JSON line by `npm run bench`. */
export interface BenchRecord {
  readonly name: string;
  readonly backend: string;
  readonly config: string;
  readonly batch: number;
  readonly median_ms: number;
  readonly min_ms: number;
  readonly max_ms: number;
  readonly runs: number;
  /** Peak resident set size of the process so far, MiB. */
  readonly peak_rss_mib: number;
  /** Reference figure (e.g. official PyTorch on this machine kind) and our median / it. */
  readonly reference_ms?: number;
  readonly ratio_to_reference?: number;
  readonly note?: string;
}

/** A named measure; `run` returns one or more records. Names are filtered with `--filter SUBSTRING`. */
export interface BenchMeasure {
  readonly name: string;
  run(): Promise<BenchRecord[]>;
}

export function peakRssMib(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** Time `fn` `runs` times after `warmup` calls; returns median/min/max in ms. */
export async function timeIt(fn: () => unknown | Promise<unknown>, runs = 5, warmup = 1): Promise<{ median: number; min: number; max: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const median = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { median: round(median), min: round(times[0]!), max: round(times[times.length - 1]!), runs };
}
