// The GraphQL service under concurrent load from a second process: this script starts
// `langcell-atlas serve` as a child process (embedded PostgreSQL and the demo atlas unless given a
// data dir that has them) and drives it with autocannon over HTTP, one scenario at a time, for
// several rounds. Per scenario: requests/s, p50/p99 latency, and every kind of failure (socket
// errors, timeouts, non-2xx, and 200 answers whose body carries GraphQL `errors`). The server's
// resident memory is read from /proc before the load, after each round, and at the end, so a leak
// shows as growth from round to round. Optionally an h5ad is uploaded and ingested while searches
// run (--ingest), as an admin would on a live service.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { generateDemoAtlas } from '../seed/atlas.ts';
import { fixed, markdownTable, say } from './lib/measure.ts';
import { writeReport } from './lib/report.ts';
import { ADMIN_TOKEN, processMemoryMiB, startServer } from './lib/server.ts';
import { PBMC68K_H5AD } from './lib/workloads.ts';


const { values: options } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    connections: { type: 'string', default: '8' },
    duration: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '3' },
    scenarios: { type: 'string', default: '' },
    ingest: { type: 'string', default: PBMC68K_H5AD },
    'no-ingest': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (options.help) {
  process.stdout.write(`npm run bench -- service [options]
  --data-dir DIR     LANGCELL_DATA_DIR for the server (default: a new temporary one, seeded on start)
  --connections N    concurrent connections (8)
  --duration S       seconds per scenario and round (15)
  --rounds N         rounds over all scenarios; memory is read after each (3)
  --scenarios LIST   comma-separated subset of the scenarios (default all)
  --ingest FILE      h5ad uploaded and ingested while searches run (pbmc68k_reduced from shared/data)
  --no-ingest        skip that phase
`);
  process.exit(0);
}

const CONNECTIONS = Number(options.connections);
const DURATION_S = Number(options.duration);
const ROUNDS = Number(options.rounds);

// ---------------------------------------------------------------------------------------------
// The server, in its own process

// ---------------------------------------------------------------------------------------------
// Scenarios: one GraphQL body per request, varied so that caches see what real traffic gives them

interface Scenario {
  readonly name: string;
  readonly what: string;
  /** The request body for the n-th request. */
  body(n: number): string;
}

const CELL_TYPE_PHRASES = [
  'B cell', 'naive T cell', 'CD8-positive cytotoxic T cell', 'natural killer cell', 'classical monocyte',
  'CD14-low, CD16-positive monocyte', 'plasmacytoid dendritic cell', 'conventional dendritic cell',
  'platelet', 'erythrocyte', 'plasma cell', 'regulatory T cell',
];

function graphqlBody(query: string, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ query, variables });
}

function scenarios(expressions: ReadonlyArray<{ genes: string[]; values: number[] }>, cellIds: readonly string[]): Scenario[] {
  const searchQuery = 'query($text: String!, $rerank: Boolean!) { searchCells(text: $text, k: 10, rerank: $rerank) { similarity ctmProbability cell { id label } } }';
  const annotateQuery =
    'query($input: CellInput!) { annotateCell(input: $input, k: 25) { status bestLabel { name } confidence candidates { label { name } zeroShot ctm fused knnShare } neighbors { similarity cell { id label } } } }';
  return [
    {
      name: 'search',
      what: `searchCells k 10, no rerank; ${CELL_TYPE_PHRASES.length} phrasings × 3 templates (text embeddings cached after first use)`,
      body: (n) =>
        graphqlBody(searchQuery, { text: `${['', 'cell type: ', 'cells that look like '][n % 3]}${CELL_TYPE_PHRASES[n % CELL_TYPE_PHRASES.length]}`, rerank: false }),
    },
    {
      name: 'search-new-text',
      what: 'searchCells k 10, no rerank; every text new (the text encoder runs on each request)',
      body: (n) => graphqlBody(searchQuery, { text: `${CELL_TYPE_PHRASES[n % CELL_TYPE_PHRASES.length]} sample ${n} ${Date.now()}`, rerank: false }),
    },
    {
      name: 'search-rerank',
      what: 'searchCells k 10 with CTM rerank of the 10 hits (cached text)',
      body: (n) => graphqlBody(searchQuery, { text: `cell type: ${CELL_TYPE_PHRASES[n % CELL_TYPE_PHRASES.length]}`, rerank: true }),
    },
    {
      name: 'similar-stored',
      what: 'similarCells k 10 of a stored cell (stored embedding, HNSW only)',
      body: (n) => graphqlBody('query($id: ID!) { similarCells(input: { cellId: $id }, k: 10) { similarity cell { id label } } }', { id: cellIds[n % cellIds.length] }),
    },
    {
      name: 'annotate-stored',
      what: 'annotateCell of a stored cell, k 25, CTM on the top 3 of every label',
      body: (n) => graphqlBody(annotateQuery, { input: { cellId: cellIds[n % cellIds.length] } }),
    },
    {
      name: 'annotate-expression',
      what: 'annotateCell of an expression given by value (held-out demo cells, gene symbols, raw counts): tokenize, encode, kNN, CTM top 3',
      body: (n) => graphqlBody(annotateQuery, { input: { expression: { ...expressions[n % expressions.length]!, valueType: 'COUNTS' } } }),
    },
  ];
}

/** Held-out demo cells as gene symbols and counts, like a user's own profile. */
function demoExpressions(count: number): Array<{ genes: string[]; values: number[] }> {
  const atlas = generateDemoAtlas();
  return atlas.cells
    .filter((cell) => cell.split === 'test')
    .slice(0, count)
    .map((cell) => {
      const genes: string[] = [];
      const values: number[] = [];
      for (let k = atlas.counts.indptr[cell.index]!; k < atlas.counts.indptr[cell.index + 1]!; k += 1) {
        genes.push(atlas.genes[atlas.counts.indices[k]!]!.symbol);
        values.push(atlas.counts.values[k]!);
      }
      return { genes, values };
    });
}

// ---------------------------------------------------------------------------------------------
// Load

interface LoadResult {
  scenario: string;
  round: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  socketErrors: number;
  timeouts: number;
  non2xx: number;
  graphqlErrors: number;
  firstGraphqlError?: string;
}

/** A 200 whose body has GraphQL `errors` or no `data` is a failure too. */
function verifier(): { verify(body: string): boolean; first: string | undefined } {
  const state = {
    first: undefined as string | undefined,
    verify(body: string): boolean {
      try {
        const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown[] };
        if (parsed.errors === undefined && parsed.data) return true;
      } catch {
        // not JSON: a failure
      }
      state.first ??= body.slice(0, 300);
      return false;
    },
  };
  return state;
}

async function load(url: string, scenario: Scenario, round: number, durationS: number): Promise<LoadResult> {
  let counter = 0;
  const check = verifier();
  const result = await autocannon({
    url: `${url}/graphql`,
    connections: CONNECTIONS,
    duration: durationS,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: scenario.body(counter++) }),
      },
    ],
    verifyBody: (body) => check.verify(String(body ?? '')),
  });
  return {
    scenario: scenario.name,
    round,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / durationS,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors: result.mismatches,
    ...(check.first ? { firstGraphqlError: check.first } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Ingestion of a real file while searches run

interface IngestWhileServing {
  file: string;
  cells: number;
  seconds: number;
  state: string;
  searchDuring: LoadResult;
  visibleAfter: boolean;
}

async function adminGraphql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: graphqlBody(query, variables),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function ingestWhileServing(url: string, file: string, search: Scenario): Promise<IngestWhileServing> {
  const upload = await fetch(`${url}/uploads?filename=${encodeURIComponent(basename(file))}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
    body: await readFile(file),
  });
  if (!upload.ok) throw new Error(`upload refused: ${upload.status} ${await upload.text()}`);
  const { uploadId } = (await upload.json()) as { uploadId: string };
  const name = `bench-${Date.now()}`;
  const started = Date.now();
  const ingested = await adminGraphql<{ ingestReference: { job: { id: string } | null; errors: unknown[] } }>(
    url,
    'mutation($input: IngestReferenceInput!) { ingestReference(input: $input) { job { id } errors { code message } } }',
    { input: { uploadId, name } },
  );
  const job = ingested.ingestReference.job;
  if (!job) throw new Error(`ingestReference refused: ${JSON.stringify(ingested.ingestReference.errors)}`);
  const jobQuery = 'query($id: ID!) { ingestionJob(id: $id) { state processedCells totalCells } }';
  type JobState = { ingestionJob: { state: string; processedCells: number; totalCells: number } };
  // Searches run until the job ends; the load is measured over that time.
  const searching = (async () => {
    const results: LoadResult[] = [];
    for (;;) {
      results.push(await load(url, search, 0, 5));
      const { ingestionJob } = await adminGraphql<JobState>(url, jobQuery, { id: job.id });
      if (!['QUEUED', 'RUNNING'].includes(ingestionJob.state)) return { results, final: ingestionJob };
    }
  })();
  const { results, final } = await searching;
  const seconds = (Date.now() - started) / 1000;
  const datasets = await adminGraphql<{ datasets: Array<{ id: string; name: string; state: string; cellCount: number }> }>(url, '{ datasets { id name state cellCount } }', {});
  const dataset = datasets.datasets.find((d) => d.name === name);
  const visible = dataset
    ? await adminGraphql<{ searchCells: Array<{ cell: { datasetName: string } }> }>(
        url,
        'query($filter: CellFilter) { searchCells(text: "B cell", k: 5, filter: $filter) { cell { datasetName } } }',
        { filter: { datasetIds: [dataset.id] } },
      )
    : { searchCells: [] };
  const total = results.reduce((sum, r) => sum + r.requests, 0);
  const searchDuring: LoadResult = {
    scenario: 'search during ingestion',
    round: 0,
    requests: total,
    requestsPerSecond: total / (results.length * 5),
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    maxMs: Math.max(...results.map((r) => r.maxMs)),
    socketErrors: results.reduce((sum, r) => sum + r.socketErrors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    graphqlErrors: results.reduce((sum, r) => sum + r.graphqlErrors, 0),
  };
  return {
    file: basename(file),
    cells: dataset?.cellCount ?? final.processedCells,
    seconds,
    state: final.state,
    searchDuring,
    visibleAfter: visible.searchCells.length > 0 && visible.searchCells.every((hit) => hit.cell.datasetName === name),
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'langcell-bench-service-'));
  const dataDir = options['data-dir'] ?? join(scratch, 'data');
  const logPath = join(scratch, 'server.log');
  say(`starting the server (data dir ${dataDir}; log ${logPath}) — on a new data dir this seeds the demo atlas first`);
  const startedAt = Date.now();
  const server = await startServer(dataDir, logPath);
  const startSeconds = (Date.now() - startedAt) / 1000;
  const cellIds = Array.from({ length: 500 }, (_, i) => String(1 + ((i * 7919) % 6000)));
  const all = scenarios(demoExpressions(200), cellIds);
  const wanted = options.scenarios ? options.scenarios.split(',') : all.map((s) => s.name);
  const selected = all.filter((s) => wanted.includes(s.name));
  const memory: Array<{ when: string; rssMiB: number; peakMiB: number }> = [];
  const readMemory = (when: string) => {
    const { rss, peak } = processMemoryMiB(server.pid);
    memory.push({ when, rssMiB: rss, peakMiB: peak });
    say(`server memory ${when}: RSS ${fixed(rss, 0)} MiB (peak ${fixed(peak, 0)} MiB)`);
  };
  const results: LoadResult[] = [];
  let ingestion: IngestWhileServing | undefined;
  let exitCode: number | null = null;
  try {
    readMemory('after start');
    // Warm-up: every scenario a few seconds (JIT, onnxruntime arenas, text cache), not reported.
    for (const scenario of selected) await load(server.url, scenario, 0, 3);
    readMemory('after warm-up');
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const scenario of selected) {
        const result = await load(server.url, scenario, round, DURATION_S);
        results.push(result);
        say(
          `round ${round} ${scenario.name}: ${fixed(result.requestsPerSecond, 1)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, failures ${result.socketErrors + result.timeouts + result.non2xx + result.graphqlErrors}`,
        );
      }
      readMemory(`after round ${round}`);
    }
    if (!options['no-ingest'] && existsSync(options.ingest)) {
      say(`uploading and ingesting ${options.ingest} while searches run`);
      ingestion = await ingestWhileServing(server.url, options.ingest, selected.find((s) => s.name === 'search') ?? all[0]!);
      say(`ingestion ${ingestion.state}: ${ingestion.cells} cells in ${fixed(ingestion.seconds, 1)} s; searches meanwhile ${ingestion.searchDuring.requests}, failures ${ingestion.searchDuring.graphqlErrors + ingestion.searchDuring.non2xx}`);
      readMemory('after ingestion');
    }
  } finally {
    exitCode = await server.stop();
  }
  const log = await readFile(logPath, 'utf8');
  const serverErrors = log.split('\n').filter((line) => /"level":(50|60)/.test(line));
  if (!options['data-dir']) await rm(scratch, { recursive: true, force: true });

  const failures = (r: LoadResult) => r.socketErrors + r.timeouts + r.non2xx + r.graphqlErrors;
  const rows = results.map((r) => [r.scenario, String(r.round), String(r.requests), fixed(r.requestsPerSecond, 1), String(r.p50Ms), String(r.p99Ms), String(r.maxMs), String(failures(r))]);
  const byScenario = selected.map((scenario) => {
    const mine = results.filter((r) => r.scenario === scenario.name);
    return {
      scenario: scenario.name,
      what: scenario.what,
      requestsPerSecond: Math.min(...mine.map((r) => r.requestsPerSecond)),
      requestsPerSecondBest: Math.max(...mine.map((r) => r.requestsPerSecond)),
      worstP50Ms: Math.max(...mine.map((r) => r.p50Ms)),
      worstP99Ms: Math.max(...mine.map((r) => r.p99Ms)),
      failures: mine.reduce((sum, r) => sum + failures(r), 0),
    };
  });
  const rssAfterWarmUp = memory.find((m) => m.when === 'after warm-up')!.rssMiB;
  const rssAfterLastRound = memory.find((m) => m.when === `after round ${ROUNDS}`)!.rssMiB;
  const rssAfterFirstRound = memory.find((m) => m.when === 'after round 1')!.rssMiB;
  const summary = {
    totalRequests: results.reduce((sum, r) => sum + r.requests, 0) + (ingestion?.searchDuring.requests ?? 0),
    totalFailures: results.reduce((sum, r) => sum + failures(r), 0) + (ingestion ? failures(ingestion.searchDuring) : 0),
    serverErrorLogLines: serverErrors.length,
    serverExitCode: exitCode,
    rssGrowthFirstToLastRoundMiB: rssAfterLastRound - rssAfterFirstRound,
    rssGrowthWarmUpToLastRoundMiB: rssAfterLastRound - rssAfterWarmUp,
  };
  const markdown = [
    '## Summary',
    '',
    `${summary.totalRequests} requests, **${summary.totalFailures} failures** (socket errors, timeouts, non-2xx, GraphQL errors), ${summary.serverErrorLogLines} error lines in the server log, server exit code ${exitCode} after SIGTERM.`,
    `Server RSS ${fixed(rssAfterWarmUp, 0)} MiB after warm-up, ${fixed(rssAfterFirstRound, 0)} MiB after round 1, ${fixed(rssAfterLastRound, 0)} MiB after round ${ROUNDS} (growth from round 1 to ${ROUNDS}: ${fixed(summary.rssGrowthFirstToLastRoundMiB, 0)} MiB).`,
    `The load generator (this process) and the server share the machine's cores; the server started in ${fixed(startSeconds, 1)} s.`,
    '',
    markdownTable(
      ['scenario', 'what', 'req/s (worst round)', 'req/s (best)', 'p50 ms (worst)', 'p99 ms (worst)', 'failures'],
      byScenario.map((s) => [s.scenario, s.what, fixed(s.requestsPerSecond, 1), fixed(s.requestsPerSecondBest, 1), String(s.worstP50Ms), String(s.worstP99Ms), String(s.failures)]),
    ),
    '',
    '## Every round',
    '',
    markdownTable(['scenario', 'round', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'failures'], rows),
    '',
    '## Server memory',
    '',
    markdownTable(['when', 'RSS MiB', 'peak RSS MiB'], memory.map((m) => [m.when, fixed(m.rssMiB, 0), fixed(m.peakMiB, 0)])),
    '',
    ...(ingestion
      ? [
          '## Ingestion while serving',
          '',
          `${ingestion.file} uploaded through \`POST /uploads\` and ingested with \`ingestReference\` while \`search\` ran at ${CONNECTIONS} connections: ${ingestion.state}, ${ingestion.cells} cells in ${fixed(ingestion.seconds, 1)} s (upload to READY). Searches meanwhile: ${ingestion.searchDuring.requests} at ${fixed(ingestion.searchDuring.requestsPerSecond, 1)} req/s, worst p99 ${ingestion.searchDuring.p99Ms} ms, ${failures(ingestion.searchDuring)} failures. A search filtered to the new dataset afterwards returned ${ingestion.visibleAfter ? 'its cells' : 'nothing (a defect)'}.`,
          '',
        ]
      : []),
    ...(serverErrors.length > 0 ? ['## Server error lines', '', '```', ...serverErrors.slice(0, 10), '```', ''] : []),
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  const { mdPath } = await writeReport({
    name: 'service',
    title: 'GraphQL service under concurrent load',
    parameters: { connections: CONNECTIONS, secondsPerScenario: DURATION_S, rounds: ROUNDS, atlas: 'demo atlas (6,000 cells), demo bundle', ingest: ingestion ? ingestion.file : 'no' },
    results: { summary, byScenario, rounds: results, memory, ingestion: ingestion ?? null, serverStartSeconds: startSeconds },
    markdown,
  });
  say(`report: ${mdPath}`);
  if (summary.totalFailures > 0 || serverErrors.length > 0) process.exitCode = 1;
}

await main();
