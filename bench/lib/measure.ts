// Small measuring helpers shared by the benchmarks: clocks, order statistics, memory, tables.

/** Seconds since an arbitrary origin, from the monotonic high-resolution clock. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Runs `work` and returns its result and wall-clock seconds. */
export async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const start = now();
  const value = await work();
  return { value, seconds: now() - start };
}

/** Percentile by linear interpolation between closest ranks (p in [0, 100]); NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
}

/** Runs `work` `repeats` times after `warmup` untimed runs; returns every timed run's seconds. */
export async function repeatTimed(work: () => Promise<unknown> | unknown, repeats: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i += 1) await work();
  const seconds: number[] = [];
  for (let i = 0; i < repeats; i += 1) seconds.push((await timed(work)).seconds);
  return seconds;
}

/** Peak resident set size of this process so far, in MiB (the kernel's high-water mark). */
export function peakRssMiB(): number {
  // resourceUsage().maxRSS is in KiB on Linux.
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Samples the resident set size while a phase runs; `stop()` returns the highest value seen (MiB).
 * Native work (onnxruntime's session.run) runs off the JS thread, so the timer keeps firing.
 */
export function sampleRss(intervalMs = 25): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak / 2 ** 20;
    },
  };
}

/** Fixed decimals, or a dash for NaN / undefined. */
export function fixed(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** A Markdown table from a header row and body rows. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Prints a progress line on stderr (benchmarks keep stdout for their summary). */
export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}
