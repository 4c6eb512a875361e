import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';

/**
 * Follows a job's stream (`watch`) until the atlas ends it. The stream is stopped when the client
 * goes away (request signal), the server closes, or GraphQL returns the iterator; `release` frees
 * the client's subscription slot when it ends.
 */
async function* followJob<T>(ctx: ApiContext, watch: (signal: AbortSignal) => AsyncIterable<T>, release: () => void): AsyncGenerator<T> {
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
    release();
  }
}

/**
 * A job subscription: takes one of the client's subscription slots (TOO_MANY_SUBSCRIPTIONS when
 * none is left), refuses an unknown job before the stream opens (NOT_FOUND), then follows it.
 */
export async function subscribeToJob<T>(
  ctx: ApiContext,
  job: { exists: () => Promise<boolean>; unknown: string },
  watch: (signal: AbortSignal) => AsyncIterable<T>,
): Promise<AsyncGenerator<T>> {
  const slot = ctx.subscriptions.acquire(ctx.client);
  if ('refused' in slot) throw apiError('TOO_MANY_SUBSCRIPTIONS', slot.refused, { limit: ctx.subscriptions.maxPerClient });
  // Also on disconnect: a stream the client leaves before its first event never runs the follower's finally.
  ctx.request.signal.addEventListener('abort', slot.release, { once: true });
  try {
    if (!(await job.exists())) throw apiError('NOT_FOUND', job.unknown);
  } catch (error) {
    slot.release();
    throw error;
  }
  return followJob(ctx, watch, slot.release);
}
