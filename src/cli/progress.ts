import cliProgress from 'cli-progress';

/** Progress of a long run: a bar on a terminal, a line every few seconds when output is a log. */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

export function startProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const startedAt = Date.now();
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} cells | {rate} cells/s | ETA {eta_formatted}`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0' });
    return {
      update(done, newTotal) {
        if (newTotal !== undefined) bar.setTotal(newTotal);
        bar.update(done, { rate: (done / Math.max(0.001, (Date.now() - startedAt) / 1000)).toFixed(1) });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLine = 0;
  let current = 0;
  let currentTotal = total;
  const line = () => {
    const seconds = (Date.now() - startedAt) / 1000;
    const rate = current / Math.max(0.001, seconds);
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
