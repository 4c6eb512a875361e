import cliProgress from 'cli-progress';

/** Progress of a long run: a bar on a terminal, a line every few seconds when output is a log. */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/**
 * `alreadyDone`: cells done before this run (a resumed ingestion); the rate and ETA count only
 * this run's cells, so a resume does not show the stored cells as done in no time.
 */
export function startProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr, alreadyDone = 0): Progress {
  const startedAt = Date.now();
  const rateOf = (done: number) => Math.max(0, done - alreadyDone) / Math.max(0.001, (Date.now() - startedAt) / 1000);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} cells | {rate} cells/s | ETA {eta_formatted}`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, alreadyDone, { rate: '0' });
    return {
      update(done, newTotal) {
        if (newTotal !== undefined) bar.setTotal(newTotal);
        bar.update(done, { rate: rateOf(done).toFixed(1) });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLine = 0;
  let current = alreadyDone;
  let currentTotal = total;
  const line = () => {
    const rate = rateOf(current);
    const eta = rate > 0 ? Math.round((currentTotal - current) / rate) : 0;
    stream.write(`${label}: ${current}/${currentTotal} cells, ${rate.toFixed(1)} cells/s, ETA ${eta}s\n`);
  };
  return {
    update(done, newTotal) {
      current = done;
      if (newTotal !== undefined) currentTotal = newTotal;
      if (Date.now() - lastLine >= 5000) {
        lastLine = Date.now();
        line();
      }
    },
    stop: line,
  };
}
