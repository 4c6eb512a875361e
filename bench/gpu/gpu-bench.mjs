// The GPU measurement run by bench/gpu/run.sh: plain JavaScript so that it needs only a Node binary
// and onnxruntime-node (carried; the GPU machine has neither TypeScript tooling nor a network).
//
// 1. Weights: the carried graphs' external weights are filled with seeded N(0, 0.02) values.
// 2. Providers: the accelerator session is WebGPU (Vulkan), created with no CPU fallback list; if it
//    cannot be created the run goes on with the CPU provider and says so ("GPU not available").
// 3. Parity: the accelerator's cell embeddings, [CLS] hidden states and p_match against the CPU
//    provider's on the same inputs: max |Δ| ≤ 1e-3.
// 4. Throughput on the accelerator: the cell encoder (PBMC-like and full-transcriptome lengths,
//    length-bucketed), annotation with CTM rerank (zero-shot top 3, cells sharing a candidate set
//    scored in one all-pairs run, as the service does), and LangCell's notebook way (batches of 32
//    in dataset order, every label scored for every cell, one CTM call per label).
//
//   node bench/gpu/gpu-bench.mjs --graphs DIR --out DIR [--provider webgpu|cpu] [--quick]
import { createRequire } from 'node:module';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    graphs: { type: 'string', default: 'bench/gpu/carry/graphs' },
    work: { type: 'string', default: '/tmp/langcell-gpu-work' },
    out: { type: 'string', default: process.env.OUT || '/tmp/langcell-gpu-out' },
    provider: { type: 'string', default: 'webgpu' },
    modules: { type: 'string', default: process.env.ORT_MODULES || resolve('node_modules') },
    quick: { type: 'boolean', default: false },
    why: { type: 'string' },
  },
});
const require = createRequire(join(values.modules, 'noop.js'));
const ort = require('onnxruntime-node');
const started = Date.now();
const log = (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
mkdirSync(values.work, { recursive: true });
mkdirSync(values.out, { recursive: true });

// ---------------------------------------------------------------------------------------------
// 1. Weights

/** xorshift32 uniforms → Box–Muller normals; deterministic for a seed. */
function normals(seed) {
  let a = (seed * 2654435761) >>> 0 || 1;
  const uniform = () => {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    return ((a >>> 0) + 0.5) / 4294967296;
  };
  return (out, std) => {
    for (let i = 0; i < out.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform())) * std;
      const t = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(t);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
    }
  };
}

const layout = JSON.parse(readFileSync(join(values.graphs, 'layout.json'), 'utf8'));
for (const [graph, entry] of Object.entries(layout.graphs)) {
  copyFileSync(join(values.graphs, graph), join(values.work, graph));
  const path = join(values.work, entry.weights);
  if (existsSync(`${path}.done`) && readFileSync(`${path}.done`, 'utf8') === layout.source) continue;
  const fill = normals(Object.keys(layout.graphs).indexOf(graph) + 1);
  const stream = createWriteStream(path);
  const chunk = new Float32Array(1 << 22);
  for (const tensor of entry.tensors) {
    let left = tensor.length / 4;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      fill(chunk.subarray(0, n), layout.std);
      if (!stream.write(Buffer.from(chunk.buffer, 0, n * 4))) await new Promise((r) => stream.once('drain', r));
      left -= n;
    }
  }
  await new Promise((r) => stream.end(r));
  writeFileSync(`${path}.done`, layout.source);
  log(`weights of ${graph}: ${(entry.bytes / 1e6).toFixed(0)} MB generated`);
}

// ---------------------------------------------------------------------------------------------
// 2. Sessions

const cpuThreads = cpus().length;
async function session(graph, provider) {
  const options = { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 2 };
  if (provider === 'cpu') Object.assign(options, { intraOpNumThreads: cpuThreads, interOpNumThreads: 1 });
  return ort.InferenceSession.create(join(values.work, graph), options);
}
const sessions = { cpu: {}, acc: {} };
let accelerator = values.provider;
// run.sh passes --why when it found no GPU and asked for the CPU provider itself.
let gpuProblem = values.why ?? null;
if (accelerator !== 'cpu') {
  try {
    for (const graph of ['cell_encoder.onnx', 'text_encoder.onnx', 'ctm.onnx']) sessions.acc[graph] = await session(graph, accelerator);
  } catch (error) {
    gpuProblem = `${accelerator} provider could not be created: ${String(error.message ?? error).split('\n')[0]}`;
    log(`GPU not available: ${gpuProblem}; continuing on the CPU provider`);
    accelerator = 'cpu';
  }
}
for (const graph of ['cell_encoder.onnx', 'text_encoder.onnx', 'ctm.onnx']) {
  sessions.cpu[graph] = await session(graph, 'cpu');
  if (accelerator === 'cpu') sessions.acc[graph] = sessions.cpu[graph];
}
log(`sessions: accelerator ${accelerator}, reference cpu (${cpuThreads} threads)`);

// ---------------------------------------------------------------------------------------------
// Inputs: random gene tokens (distinct within a cell, <cls> first) and label-like token sequences.

const { cell, text } = layout;
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
function makeCell(length) {
  const ids = new Int32Array(length);
  ids[0] = cell.clsId;
  const used = new Set();
  for (let i = 1; i < length; i += 1) {
    let g;
    do g = 2 + Math.floor(rand() * (cell.clsId - 2));
    while (used.has(g));
    used.add(g);
    ids[i] = g;
  }
  return ids;
}
const pbmcLike = (n) => Array.from({ length: n }, () => makeCell(182 + Math.floor(rand() * 222)));
const full = (n) => Array.from({ length: n }, () => makeCell(800 + Math.floor(rand() * 1249)));
const labels = Array.from({ length: 8 }, (_, k) => {
  const length = 24 + 4 * k;
  const ids = new Int32Array(length);
  ids[0] = text.clsId;
  for (let i = 1; i < length - 1; i += 1) ids[i] = 1000 + Math.floor(rand() * 20000);
  ids[length - 1] = text.sepId;
  return ids;
});

function padded(rows, padId) {
  const L = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * L).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * L);
  rows.forEach((r, b) => r.forEach((t, i) => ((ids[b * L + i] = BigInt(t)), (mask[b * L + i] = 1n))));
  return { ids: new ort.Tensor('int64', ids, [rows.length, L]), mask: new ort.Tensor('int64', mask, [rows.length, L]), L };
}

async function encode(kind, rows) {
  const { ids, mask, L } = padded(rows, cell.padId);
  const out = await sessions[kind]['cell_encoder.onnx'].run({ input_ids: ids, attention_mask: mask });
  return { emb: out.cell_embedding.data, hidden: out.last_hidden_state.data, L };
}
async function embedTexts(kind, rows) {
  const { ids, mask } = padded(rows, text.padId);
  return (await sessions[kind]['text_encoder.onnx'].run({ input_ids: ids, attention_mask: mask })).text_embedding.data;
}
/** p_match [cells × texts] for the cells' hidden states (each cut to its own length, re-padded). */
async function ctm(kind, hiddenRows, texts) {
  const H = cell.hiddenSize;
  const L = Math.max(...hiddenRows.map((h) => h.length));
  const hidden = new Float32Array(hiddenRows.length * L * H);
  const mask = new BigInt64Array(hiddenRows.length * L);
  hiddenRows.forEach((h, b) => {
    hidden.set(h.data, b * L * H);
    mask.fill(1n, b * L, b * L + h.length);
  });
  const t = padded(texts, text.padId);
  const out = await sessions[kind]['ctm.onnx'].run({
    input_ids: t.ids,
    attention_mask: t.mask,
    cell_hidden: new ort.Tensor('float32', hidden, [hiddenRows.length, L, H]),
    cell_attention_mask: new ort.Tensor('int64', mask, [hiddenRows.length, L]),
  });
  return out.p_match.data;
}
function hiddenOf(encoded, rows) {
  const H = cell.hiddenSize;
  return rows.map((r, b) => ({ length: r.length, data: encoded.hidden.slice(b * encoded.L * H, b * encoded.L * H + r.length * H) }));
}
const maxAbs = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

// ---------------------------------------------------------------------------------------------
// 3. Parity

const parityCells = [makeCell(300), makeCell(values.quick ? 600 : 2048), makeCell(40), makeCell(1000)];
const parity = {};
{
  const [a, b] = [await encode('acc', parityCells), await encode('cpu', parityCells)];
  parity.cellEmbedding = maxAbs(a.emb, b.emb);
  const H = cell.hiddenSize;
  const cls = (e) => parityCells.flatMap((_, i) => Array.from(e.hidden.subarray(i * e.L * H, i * e.L * H + H)));
  parity.cellHiddenCls = maxAbs(cls(a), cls(b));
  parity.textEmbedding = maxAbs(await embedTexts('acc', labels.slice(0, 3)), await embedTexts('cpu', labels.slice(0, 3)));
  // Both sides score the CPU's hidden states, so the figure is CTM's own difference.
  const hidden = hiddenOf(b, parityCells);
  parity.pMatch = maxAbs(await ctm('acc', hidden, labels.slice(0, 3)), await ctm('cpu', hidden, labels.slice(0, 3)));
  parity.tolerance = 1e-3;
  parity.ok = Math.max(parity.cellEmbedding, parity.cellHiddenCls, parity.textEmbedding, parity.pMatch) <= 1e-3;
  log(`parity ${accelerator} vs cpu: ${JSON.stringify(parity)}`);
}

// ---------------------------------------------------------------------------------------------
// 4. Throughput on the accelerator

function buckets(rows, tokenBudget, maxBatch) {
  const order = rows.map((r, i) => i).sort((x, y) => rows[x].length - rows[y].length);
  const batches = [];
  let batch = [];
  for (const i of order) {
    const L = Math.max(rows[i].length, ...batch.map((j) => rows[j].length));
    if (batch.length > 0 && ((batch.length + 1) * L > tokenBudget || batch.length >= maxBatch)) {
      batches.push(batch);
      batch = [];
    }
    batch.push(i);
  }
  if (batch.length) batches.push(batch);
  return batches;
}
// A GPU wants larger batches than the CPU's 2,048-token buckets.
const budget = accelerator === 'cpu' ? 2048 : 65536;
const maxBatch = accelerator === 'cpu' ? 64 : 256;

async function timeIt(work) {
  const t = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - t) / 1e9;
}
async function encoderRate(rows) {
  await encode('acc', rows.slice(0, 2)); // warm-up (shader compilation on the GPU)
  const s = await timeIt(async () => {
    for (const b of buckets(rows, budget, maxBatch)) await encode('acc', b.map((i) => rows[i]));
  });
  return { cells: rows.length, seconds: s, cellsPerSecond: rows.length / s };
}

async function annotateWithRerank(rows) {
  const labelEmb = await embedTexts('acc', labels);
  const D = labelEmb.length / labels.length;
  let pairs = 0;
  for (const b of buckets(rows, budget, maxBatch)) {
    const batchRows = b.map((i) => rows[i]);
    const enc = await encode('acc', batchRows);
    const hidden = hiddenOf(enc, batchRows);
    const groups = new Map();
    batchRows.forEach((_, r) => {
      const sims = labels.map((__, k) => {
        let dot = 0;
        for (let d = 0; d < D; d += 1) dot += enc.emb[r * D + d] * labelEmb[k * D + d];
        return [k, dot];
      });
      const top = sims.sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k]) => k).sort((x, y) => x - y);
      const key = top.join(',');
      if (!groups.has(key)) groups.set(key, { top, cells: [] });
      groups.get(key).cells.push(r);
    });
    for (const { top, cells } of groups.values()) {
      await ctm('acc', cells.map((r) => hidden[r]), top.map((k) => labels[k]));
      pairs += cells.length * top.length;
    }
  }
  return pairs;
}
async function notebook(rows) {
  let pairs = 0;
  for (let start = 0; start < rows.length; start += 32) {
    const batchRows = rows.slice(start, start + 32);
    const enc = await encode('acc', batchRows);
    // LangCell's loop: the batch's hidden states padded together, one CTM call per label.
    const hidden = hiddenOf(enc, batchRows);
    for (const label of labels) {
      await ctm('acc', hidden, [label]);
      pairs += batchRows.length;
    }
  }
  await embedTexts('acc', labels);
  return pairs;
}

const n = values.quick ? { pbmc: 16, full: 4, annotate: 8 } : { pbmc: 2048, full: 256, annotate: 512 };
const throughput = {};
throughput.encoderPbmcLike = await encoderRate(pbmcLike(n.pbmc));
log(`encoder PBMC-like: ${throughput.encoderPbmcLike.cellsPerSecond.toFixed(1)} cells/s`);
throughput.encoderFull = await encoderRate(full(n.full));
log(`encoder full-transcriptome: ${throughput.encoderFull.cellsPerSecond.toFixed(2)} cells/s`);
const annotateRows = pbmcLike(n.annotate);
await annotateWithRerank(annotateRows.slice(0, 4)); // warm-up of CTM shapes
let rerankPairs = 0;
const rerankSeconds = await timeIt(async () => (rerankPairs = await annotateWithRerank(annotateRows)));
throughput.annotateRerank = { cells: annotateRows.length, seconds: rerankSeconds, cellsPerSecond: annotateRows.length / rerankSeconds, ctmPairsPerCell: rerankPairs / annotateRows.length };
log(`annotation with rerank (top 3): ${throughput.annotateRerank.cellsPerSecond.toFixed(2)} cells/s`);
let notebookPairs = 0;
const notebookSeconds = await timeIt(async () => (notebookPairs = await notebook(annotateRows)));
throughput.notebook = { cells: annotateRows.length, seconds: notebookSeconds, cellsPerSecond: annotateRows.length / notebookSeconds, ctmPairsPerCell: notebookPairs / annotateRows.length };
log(`LangCell notebook (every pair, batches of 32): ${throughput.notebook.cellsPerSecond.toFixed(2)} cells/s`);
throughput.rerankOverNotebook = throughput.annotateRerank.cellsPerSecond / throughput.notebook.cellsPerSecond;

const result = {
  date: new Date().toISOString(),
  node: process.version,
  accelerator,
  gpuAvailable: accelerator !== 'cpu',
  gpuProblem,
  graphsFrom: layout.source,
  quick: values.quick,
  parity,
  throughput,
  seconds: (Date.now() - started) / 1000,
};
writeFileSync(join(values.out, 'gpu-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  `# GPU bench (${result.date})`,
  '',
  result.gpuAvailable ? `Accelerator: ${accelerator}.` : `**GPU not available** (${gpuProblem ?? 'CPU provider asked for'}): every figure below is the CPU provider's.`,
  '',
  `Parity ${accelerator} vs CPU (max |Δ|, tolerance 1e-3): cell embedding ${parity.cellEmbedding.toExponential(2)}, [CLS] hidden ${parity.cellHiddenCls.toExponential(2)}, text embedding ${parity.textEmbedding.toExponential(2)}, p_match ${parity.pMatch.toExponential(2)} — ${parity.ok ? 'ok' : '**FAILED**'}`,
  '',
  '| measure | cells | s | cells/s |',
  '| --- | --- | --- | --- |',
  `| encoder, PBMC-like lengths (182–403), buckets ≤ ${budget} tokens | ${throughput.encoderPbmcLike.cells} | ${throughput.encoderPbmcLike.seconds.toFixed(2)} | ${throughput.encoderPbmcLike.cellsPerSecond.toFixed(2)} |`,
  `| encoder, full-transcriptome (800–2048) | ${throughput.encoderFull.cells} | ${throughput.encoderFull.seconds.toFixed(2)} | ${throughput.encoderFull.cellsPerSecond.toFixed(2)} |`,
  `| annotation with CTM rerank, 8 labels, top 3 (${throughput.annotateRerank.ctmPairsPerCell.toFixed(2)} pairs/cell) | ${throughput.annotateRerank.cells} | ${rerankSeconds.toFixed(2)} | ${throughput.annotateRerank.cellsPerSecond.toFixed(2)} |`,
  `| LangCell's notebook: batches of 32, every label (${throughput.notebook.ctmPairsPerCell.toFixed(0)} pairs/cell) | ${throughput.notebook.cells} | ${notebookSeconds.toFixed(2)} | ${throughput.notebook.cellsPerSecond.toFixed(2)} |`,
  '',
  `Annotation with rerank ÷ notebook, same provider and run: ${throughput.rerankOverNotebook.toFixed(2)}×.`,
  '',
].join('\n');
writeFileSync(join(values.out, 'gpu-bench.md'), md);
process.stdout.write(md);
if (!parity.ok) process.exitCode = 1;
