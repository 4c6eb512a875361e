// `npm run bench -- <name> [args]` runs bench/<name>.ts in its own node process (so each benchmark
// starts with a clean heap and its own peak RSS); `npm run bench -- list` lists them.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHMARKS: ReadonlyArray<readonly [name: string, what: string]> = [
  ['encoder', 'cell encoder on the bench bundle: length buckets vs LangCell batching, threads, GFLOP/s vs MatMul peak, PyTorch reference'],
  ['ctm', 'annotation per cell: CTM top-m rerank vs scoring every label, top-1 agreement, 8 and 50 labels'],
  ['tokenizer', 'cell tokenizer (read + rank) on pbmc68k and on synthetic 2,000-gene cells'],
  ['hnsw', 'HNSW index on clustered 256-d vectors: recall@10, latency, build rate, bytes per vector'],
  ['service', 'GraphQL text search under concurrent load: p50, p99, QPS, errors'],
  ['ingest', 'ingestion end to end (read → tokenize → encode → store → index), cells/s'],
  ['trust', 'annotation on pbmc68k: every evidence source, adapters, the combined decision, calibration, novelty, baseline'],
  ['precision', 'int8 graphs and the [CLS]-only CTM last layer vs today at LangCell size: encoder, annotation with rerank, peak RSS'],
  ['int8-ops', 'int8 operator forms (DynamicQuantizeMatMul vs MatMulInteger) against fp32 on the cell encoder'],
  ['soak', "the audit's mix against one server: searches, annotations, label churn, an ingestion, subscriptions, LISTEN dropped twice, a slow client"],
];

function scriptPath(name: string): string {
  return fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
}

function list(): void {
  const width = Math.max(...BENCHMARKS.map(([name]) => name.length));
  for (const [name, what] of BENCHMARKS) {
    const state = existsSync(scriptPath(name)) ? '' : '  (not written yet)';
    process.stdout.write(`${name.padEnd(width)}  ${what}${state}\n`);
  }
  process.stdout.write('\nnpm run bench -- <name> --help   shows the options of one benchmark (bench/README.md has more)\n');
}

function main(argv: readonly string[]): void {
  const [name, ...args] = argv;
  if (!name || name === 'list' || name === '--help' || name === '-h') {
    list();
    process.exitCode = name ? 0 : 1;
    return;
  }
  if (!BENCHMARKS.some(([known]) => known === name)) {
    process.stderr.write(`error: unknown benchmark "${name}"; known: ${BENCHMARKS.map(([known]) => known).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const script = scriptPath(name);
  if (!existsSync(script)) {
    process.stderr.write(`error: bench/${name}.ts is not written yet\n`);
    process.exitCode = 2;
    return;
  }
  const loader = fileURLToPath(new URL('../bin/typescript-loader.mjs', import.meta.url));
  const child = spawn(process.execPath, ['--import', loader, script, ...args], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (signal) process.stderr.write(`bench ${name} ended by ${signal}\n`);
    process.exitCode = code ?? 1;
  });
}

main(process.argv.slice(2));
