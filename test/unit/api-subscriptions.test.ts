/**
 * ingestionProgress over server-sent events: the framing clients see, a refused subscription,
 * and the atlas's watch stopped when the client leaves or the server closes. The atlas is a
 * stand-in for the service layer whose watchIngestion yields invented job states.
 */
import { describe, expect, it } from 'vitest';
import type { IngestionJobRecord } from '../../src/atlas/types.ts';
import { standInAtlas, standInJob } from '../helpers/api-stand-in-atlas.ts';
import { startApi } from '../helpers/api-server.ts';

const SUBSCRIBE = 'subscription($id: ID!) { ingestionProgress(jobId: $id) { id state processedCells totalCells progress } }';

function subscribe(url: string, jobId: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: SUBSCRIBE, variables: { id: jobId } }),
    signal,
  });
}

/** Server-sent events as `{ event, data }`, comments (keep-alive pings) left out. */
function parseEvents(text: string): { event: string; data: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event:'))?.slice('event:'.length).trim() ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice('data:'.length).trim())
        .join('\n');
      return { event, data };
    });
}

describe('ingestionProgress subscription (SSE)', () => {
  it('streams one `next` event per job state, then `complete`', async () => {
    const atlas = standInAtlas();
    const api = await startApi(atlas);
    try {
      const response = await subscribe(api.url, '4');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events = parseEvents(await response.text());
      expect(events.map((event) => event.event)).toEqual(['next', 'next', 'next', 'complete']);
      expect(events.slice(0, 3).map((event) => JSON.parse(event.data))).toEqual([
        { data: { ingestionProgress: { id: '4', state: 'QUEUED', processedCells: 0, totalCells: 100, progress: 0 } } },
        { data: { ingestionProgress: { id: '4', state: 'RUNNING', processedCells: 50, totalCells: 100, progress: 0.5 } } },
        { data: { ingestionProgress: { id: '4', state: 'SUCCEEDED', processedCells: 100, totalCells: 100, progress: 1 } } },
      ]);
      expect(atlas.callsOf('watchIngestion')[0]![0]).toBe(4);
    } finally {
      await api.close();
    }
  });

  it('an unknown job is refused with NOT_FOUND in the stream, and the atlas is not watched', async () => {
    const atlas = standInAtlas();
    const api = await startApi(atlas);
    try {
      const events = parseEvents(await (await subscribe(api.url, '404')).text());
      expect(events.map((event) => event.event)).toEqual(['next', 'complete']);
      expect(JSON.parse(events[0]!.data).errors[0].extensions.code).toBe('NOT_FOUND');
      expect(atlas.callsOf('watchIngestion')).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('an internal error during the stream is masked', async () => {
    const api = await startApi(
      standInAtlas({
        async *watchIngestion(id) {
          yield standInJob(id, 'RUNNING', 10);
          throw new Error('listen channel dropped: pg connection 10.0.0.7');
        },
      }),
    );
    try {
      const text = await (await subscribe(api.url, '4')).text();
      expect(text).not.toContain('10.0.0.7');
      const events = parseEvents(text);
      expect(events.at(-1)!.event).toBe('complete');
      const last = JSON.parse(events.at(-2)!.data);
      expect(last.errors[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    } finally {
      await api.close();
    }
  });

  /** A watch that yields once, then waits until its signal aborts; it reports that signal. */
  function endlessWatch() {
    let signalSeen: AbortSignal | undefined;
    let started!: () => void;
    const watching = new Promise<void>((resolve) => (started = resolve));
    const atlas = standInAtlas({
      async *watchIngestion(id, signal): AsyncGenerator<IngestionJobRecord> {
        signalSeen = signal;
        yield standInJob(id, 'RUNNING', 10);
        started();
        await new Promise<void>((resolve) => {
          if (signal?.aborted) resolve();
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      },
    });
    return { atlas, watching, signal: () => signalSeen };
  }

  it("a client that disconnects aborts the atlas's watch", async () => {
    const watch = endlessWatch();
    const api = await startApi(watch.atlas);
    try {
      const client = new AbortController();
      const response = await subscribe(api.url, '4', client.signal);
      const reader = response.body!.getReader();
      await reader.read();
      await watch.watching;
      expect(watch.signal()!.aborted).toBe(false);
      client.abort();
      await expect.poll(() => watch.signal()!.aborted).toBe(true);
    } finally {
      await api.close();
    }
  });

  it("closing the server ends open streams and the atlas's watch", async () => {
    const watch = endlessWatch();
    const api = await startApi(watch.atlas);
    const response = await subscribe(api.url, '4');
    const body = response.text();
    await watch.watching;
    const started = Date.now();
    await api.close();
    expect(watch.signal()!.aborted).toBe(true);
    const events = parseEvents(await body);
    expect(events.map((event) => event.event)).toEqual(['next', 'complete']);
    // Ended by the shutdown signal, not by the grace timeout that drops connections.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('caps open subscriptions per client and in total, refusing more with TOO_MANY_SUBSCRIPTIONS, and frees a slot when a stream ends', async () => {
    const watch = endlessWatch();
    const api = await startApi(watch.atlas, { LANGCELL_MAX_SUBSCRIPTIONS_PER_CLIENT: '2', LANGCELL_MAX_SUBSCRIPTIONS: '3' });
    const clients = [new AbortController(), new AbortController()];
    try {
      for (const client of clients) await (await subscribe(api.url, '4', client.signal)).body!.getReader().read();
      const refused = parseEvents(await (await subscribe(api.url, '4')).text());
      expect(JSON.parse(refused[0]!.data).errors[0].extensions.code).toBe('TOO_MANY_SUBSCRIPTIONS');
      expect(watch.atlas.callsOf('watchIngestion')).toHaveLength(2);

      clients[0]!.abort();
      await expect.poll(async () => {
        const again = new AbortController();
        const response = await subscribe(api.url, '4', again.signal);
        const first = new TextDecoder().decode((await response.body!.getReader().read()).value);
        again.abort();
        return first.includes('TOO_MANY_SUBSCRIPTIONS');
      }).toBe(false);
    } finally {
      for (const client of clients) client.abort();
      await api.close();
    }
  });
});
