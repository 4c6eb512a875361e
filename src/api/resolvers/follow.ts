import type { ApiContext } from '../context.ts';

/**
 * Follows a job's stream (`watch`) until the atlas ends it. The stream is stopped when the client
 * goes away (request signal), the server closes, or GraphQL returns the iterator.
 */
export async function* followJob<T>(ctx: ApiContext, watch: (signal: AbortSignal) => AsyncIterable<T>): AsyncGenerator<T> {
  const done = new AbortController();
  const stop = () => done.abort();
  // Linked by listeners, not AbortSignal.any: the request's signal is whatwg-node's own implementation.
  const sources = [ctx.request.signal, ctx.shutdown];
  for (const source of sources) {
    if (source.aborted) stop();
    else source.addEventListener('abort', stop, { once: true });
  }
  try {
    yield* watch(done.signal);
  } finally {
    for (const source of sources) source.removeEventListener('abort', stop);
    done.abort();
  }
}
