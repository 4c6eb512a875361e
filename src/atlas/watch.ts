/** Following a background job (ingestion, annotation) by polling its stored state. */

/** How often a watched job is re-read (its progress changes once per stored chunk or slice). */
const WATCH_INTERVAL_MS = 250;

interface WatchedJob {
  readonly state: string;
  readonly processedCells: number;
}

/** Yields the job read by `read` on every change of state or progress until it has ended, or `signal` aborts. */
export async function* pollJob<T extends WatchedJob>(read: () => Promise<T>, signal?: AbortSignal): AsyncIterable<T> {
  let last = '';
  for (;;) {
    const job = await read();
    const key = `${job.state}:${job.processedCells}`;
    if (key !== last) {
      last = key;
      yield job;
    }
    if (job.state !== 'QUEUED' && job.state !== 'RUNNING') return;
    if (signal?.aborted) return;
    await new Promise((done) => setTimeout(done, WATCH_INTERVAL_MS));
  }
}
