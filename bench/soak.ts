// Soak: the running service under the audit's mix at once — searches and annotations (autocannon),
// label churn (create/delete while annotations save label embeddings), an ingestion of a real file,
// subscriptions past the per-client cap, the LISTEN connection terminated twice, and a client
// trickling a request body — all on loopback (127.0.0.1), bounded in time. It passes when the
// service answered no request with a 5xx, did not crash, came back to within 20% of its starting
// RSS, and its index holds exactly the cells the database holds.

import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { markdownTable, say } from './lib/measure.ts';
import { writeReport } from './lib/report.ts';
import { ADMIN_TOKEN, processMemoryMiB, startServer, type RunningServer } from './lib/server.ts';
import { PBMC68K_H5AD } from './lib/workloads.ts';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '90' },
    connections: { type: 'string', default: '4' },
    subscriptions: { type: 'string', default: '12' },
    ingest: { type: 'string', default: PBMC68K_H5AD },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) {
  process.stdout.write(`npm run bench -- soak [options]
  --duration S        seconds of mixed load (90)
  --connections N     autocannon connections for searches, and half as many for annotations (4)
  --subscriptions N   SSE subscriptions opened from one client (12; the default cap is 8 per client)
  --ingest FILE       h5ad uploaded and ingested during the load (pbmc68k_reduced from shared/data)
`);
  process.exit(0);
}
const DURATION_S = Number(options.duration);
const CONNECTIONS = Number(options.connections);

const body = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
const WARM_UP_S = 20;
const PHRASES = ['B cell', 'natural killer cell', 'classical monocyte', 'CD8-positive cytotoxic T cell', 'platelet', 'plasmacytoid dendritic cell'];

// A new text every 7th search keeps the text encoder and its LRU cache in play.
const searchBody = (n: number) => body('query($t: String!) { searchCells(text: $t, k: 10) { similarity cell { id label } } }', { t: `${PHRASES[n % PHRASES.length]}${n % 7 === 0 ? ` ${n}` : ''}` });
const annotateBody = (n: number) => body('query($id: ID!) { annotateCell(input: { cellId: $id }, k: 10) { status confidence bestLabel { name } } }', { id: String(1 + (n % 6000)) });

async function admin<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; data?: T; errors?: unknown }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: body(query, variables),
  });
  return { status: response.status, ...((await response.json()) as { data?: T; errors?: unknown }) };
}

/** Status classes of every answer the soak's own requests got (autocannon's are added after). */
const statuses = new Map<string, number>();
const count = (status: number) => statuses.set(`${Math.floor(status / 100)}xx`, (statuses.get(`${Math.floor(status / 100)}xx`) ?? 0) + 1);

async function cannon(url: string, make: (n: number) => string, connections: number, durationS = DURATION_S) {
  let n = 0;
  return autocannon({
    url: `${url}/graphql`,
    connections,
    duration: durationS,
    timeout: 60,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: make(n++) }) }],
  });
}

async function labelChurn(url: string, until: number): Promise<{ created: number; deleted: number }> {
  let created = 0;
  let deleted = 0;
  for (let i = 0; Date.now() < until; i += 1) {
    const made = await admin<{ createLabel: { label: { id: string } | null } }>(url, 'mutation($input: LabelInput!) { createLabel(input: $input) { label { id } } }', {
      input: { name: `soak label ${i}`, description: 'A label that exists for a moment.' },
    });
    count(made.status);
    const id = made.data?.createLabel.label?.id;
    if (!id) continue;
    created += 1;
    await new Promise((done) => setTimeout(done, 300));
    const gone = await admin(url, 'mutation($id: ID!) { deleteLabel(id: $id) { errors { code } } }', { id });
    count(gone.status);
    deleted += 1;
  }
  return { created, deleted };
}

/** The soak ingestion's job id once it is queued (subscriptions follow it while it runs). */
let announceJob: (id: string) => void = () => undefined;
const ingestionJobId = new Promise<string>((resolve) => (announceJob = resolve));

async function ingest(url: string, file: string): Promise<{ state: string; cells: number; seconds: number }> {
  const started = Date.now();
  const upload = await fetch(`${url}/uploads?filename=${encodeURIComponent(basename(file))}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
    body: await readFile(file),
  });
  count(upload.status);
  const { uploadId } = (await upload.json()) as { uploadId: string };
  const queued = await admin<{ ingestReference: { job: { id: string } | null } }>(url, 'mutation($input: IngestReferenceInput!) { ingestReference(input: $input) { job { id } errors { code message } } }', {
    input: { uploadId, name: 'soak-ingest' },
  });
  count(queued.status);
  const jobId = queued.data?.ingestReference.job?.id;
  if (!jobId) throw new Error(`ingestReference refused: ${JSON.stringify(queued)}`);
  announceJob(jobId);
  for (;;) {
    const job = await admin<{ ingestionJob: { state: string; processedCells: number } }>(url, 'query($id: ID!) { ingestionJob(id: $id) { state processedCells } }', { id: jobId });
    count(job.status);
    const state = job.data?.ingestionJob.state ?? 'unknown';
    if (state !== 'QUEUED' && state !== 'RUNNING') return { state, cells: job.data?.ingestionJob.processedCells ?? 0, seconds: (Date.now() - started) / 1000 };
    await new Promise((done) => setTimeout(done, 1000));
  }
}

/** Opens `n` subscriptions to the running ingestion from this one client; returns how many were refused with TOO_MANY_SUBSCRIPTIONS. */
async function subscriptionFlood(url: string, n: number, until: number): Promise<{ opened: number; refused: number }> {
  const jobId = await ingestionJobId;
  const controllers: AbortController[] = [];
  let opened = 0;
  let refused = 0;
  for (let i = 0; i < n; i += 1) {
    const controller = new AbortController();
    controllers.push(controller);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: body('subscription($id: ID!) { ingestionProgress(jobId: $id) { state processedCells } }', { id: jobId }),
      signal: controller.signal,
    });
    count(response.status);
    const first = new TextDecoder().decode((await response.body!.getReader().read()).value);
    if (first.includes('TOO_MANY_SUBSCRIPTIONS')) refused += 1;
    else opened += 1;
  }
  await new Promise((done) => setTimeout(done, Math.max(0, until - Date.now())));
  for (const controller of controllers) controller.abort();
  return { opened, refused };
}

/** Terminates the server's LISTEN connection at each of `at` (ms from now); returns what /healthz said right after and later. */
async function dropListen(url: string, server: RunningServer, at: readonly number[]): Promise<Array<{ terminated: number; healthAfter: number; healthRecovered: boolean }>> {
  const client = new pg.Client({ connectionString: `postgresql://postgres:langcell@127.0.0.1:${server.pgPort}/langcell` });
  await client.connect();
  const start = Date.now();
  const drops = [];
  for (const when of at) {
    await new Promise((done) => setTimeout(done, Math.max(0, start + when - Date.now())));
    const result = await client.query<{ n: number }>(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'langcell-atlas-listen'`);
    const after = await fetch(`${url}/healthz`);
    let recovered = false;
    for (let i = 0; i < 60 && !recovered; i += 1) {
      await new Promise((done) => setTimeout(done, 500));
      recovered = (await fetch(`${url}/healthz`)).ok;
    }
    drops.push({ terminated: result.rows[0]!.n, healthAfter: after.status, healthRecovered: recovered });
  }
  await client.end();
  return drops;
}

/** A client that sends headers and a few bytes of a 1,000-byte body, then nothing; returns the status line it got and when. */
async function slowClient(url: string): Promise<{ answer: string; seconds: number }> {
  const started = Date.now();
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let text = '';
    socket.on('data', (part) => (text += part.toString()));
    socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', () => resolve(text.split('\r\n')[0] ?? 'socket error'));
    socket.write('POST /graphql HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":');
  });
  return { answer, seconds: (Date.now() - started) / 1000 };
}

async function consistency(server: RunningServer, url: string): Promise<{ indexed: number | null; stored: number }> {
  const health = (await (await fetch(`${url}/healthz`)).json()) as { cellsIndexed: number | null };
  const client = new pg.Client({ connectionString: `postgresql://postgres:langcell@127.0.0.1:${server.pgPort}/langcell` });
  await client.connect();
  const stored = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM cell c JOIN dataset d ON d.id = c.dataset_id WHERE d.state = 'READY'`);
  await client.end();
  return { indexed: health.cellsIndexed, stored: stored.rows[0]!.n };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'langcell-soak-'));
  const logPath = join(dataDir, 'server.log');
  say(`starting the server (data in ${dataDir}; first start seeds the demo atlas)`);
  const server = await startServer(dataDir, logPath, { LANGCELL_INDEX_CHECKPOINT_S: '20' });
  const { url } = server;
  try {
    // Warm-up under the same concurrency, so the starting RSS includes the runtime's arenas at that
    // load and full caches: growth after it is what the soak itself leaves behind.
    const warm = await Promise.all([cannon(url, searchBody, CONNECTIONS, WARM_UP_S), cannon(url, annotateBody, Math.max(1, CONNECTIONS / 2), WARM_UP_S)]);
    for (const result of warm) {
      for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) for (let i = 0; i < (stats.count ?? 0); i += 1) count(Number(code));
    }
    const rssStart = processMemoryMiB(server.pid);
    say(`RSS at start ${rssStart.rss.toFixed(0)} MiB; ${DURATION_S} s of mixed load`);

    const until = Date.now() + DURATION_S * 1000;
    const file = existsSync(options.ingest) ? options.ingest : undefined;
    // Without a file the subscriptions follow the seed's (finished) job: the cap is then not exercised.
    if (!file) announceJob('1');
    const [searches, annotations, churn, ingestion, subscriptions, drops, slow] = await Promise.all([
      cannon(url, searchBody, CONNECTIONS),
      cannon(url, annotateBody, Math.max(1, CONNECTIONS / 2)),
      labelChurn(url, until),
      file ? ingest(url, file) : Promise.resolve(null),
      subscriptionFlood(url, Number(options.subscriptions), until),
      dropListen(url, server, [DURATION_S * 1000 * 0.3, DURATION_S * 1000 * 0.6]),
      slowClient(url),
    ]);
    for (const result of [searches, annotations]) {
      for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) for (let i = 0; i < (stats.count ?? 0); i += 1) count(Number(code));
    }
    // Idle a while (background checkpoint, GC), then read memory and compare index with database.
    await new Promise((done) => setTimeout(done, 15_000));
    const rssEnd = processMemoryMiB(server.pid);
    const alive = server.child.exitCode === null;
    const { indexed, stored } = await consistency(server, url);
    const exitCode = await server.stop();
    const fiveXX = statuses.get('5xx') ?? 0;
    const rssChange = (rssEnd.rss - rssStart.rss) / rssStart.rss;
    const passed = fiveXX === 0 && alive && Math.abs(rssChange) <= 0.2 && indexed === stored;
    const results = {
      passed,
      statuses: Object.fromEntries(statuses),
      fiveXX,
      alive,
      exitCode,
      rss: { startMiB: rssStart.rss, endMiB: rssEnd.rss, peakMiB: rssEnd.peak, change: rssChange },
      index: { indexed, stored },
      searches: { requests: searches.requests.total, p50Ms: searches.latency.p50, p99Ms: searches.latency.p99, errors: searches.errors, timeouts: searches.timeouts },
      annotations: { requests: annotations.requests.total, p50Ms: annotations.latency.p50, p99Ms: annotations.latency.p99, errors: annotations.errors, timeouts: annotations.timeouts },
      labelChurn: churn,
      ingestion,
      subscriptions,
      listenDrops: drops,
      slowClient: slow,
    };
    const markdown = [
      `Verdict: **${passed ? 'passed' : 'FAILED'}** — ${fiveXX} answers with 5xx, server ${alive ? 'alive' : 'DEAD'} (exit ${exitCode} on SIGTERM), ` +
        `RSS ${rssStart.rss.toFixed(0)} → ${rssEnd.rss.toFixed(0)} MiB (${(rssChange * 100).toFixed(1)}%, peak ${rssEnd.peak.toFixed(0)}), index ${indexed} cells vs database ${stored}.`,
      '',
      markdownTable(
        ['load', 'requests', 'p50 ms', 'p99 ms', 'socket errors', 'timeouts'],
        [
          ['searchCells', String(searches.requests.total), String(searches.latency.p50), String(searches.latency.p99), String(searches.errors), String(searches.timeouts)],
          ['annotateCell', String(annotations.requests.total), String(annotations.latency.p50), String(annotations.latency.p99), String(annotations.errors), String(annotations.timeouts)],
        ],
      ),
      '',
      `Status classes of every answer: ${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      `Label churn: ${churn.created} labels created and ${churn.deleted} deleted during the load.`,
      ingestion ? `Ingestion of ${basename(file!)}: ${ingestion.state}, ${ingestion.cells} cells in ${ingestion.seconds.toFixed(1)} s.` : 'Ingestion: no file given.',
      `Subscriptions from one client: ${subscriptions.opened} opened, ${subscriptions.refused} refused with TOO_MANY_SUBSCRIPTIONS.`,
      `LISTEN connection terminated ${drops.length} times: ${drops.map((d) => `${d.terminated} terminated, /healthz ${d.healthAfter} right after, ${d.healthRecovered ? 'ok again' : 'NOT ok again'}`).join('; ')}.`,
      `Slow client (body trickle): "${slow.answer}" after ${slow.seconds.toFixed(1)} s.`,
    ].join('\n');
    const { mdPath } = await writeReport({ name: 'soak', title: 'Soak: the audit mix against one server', parameters: { durationS: DURATION_S, connections: CONNECTIONS, subscriptions: Number(options.subscriptions), ingest: file ? basename(file) : null }, results, markdown });
    say(markdown);
    say(`report: ${mdPath}`);
    if (!passed) process.exitCode = 1;
  } finally {
    if (server.child.exitCode === null) await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
