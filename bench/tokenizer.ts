// Cell tokenizer throughput (read + rank-value tokenization, as `tokenize`/`embed` run it) with
// Geneformer's vocabulary:
// - pbmc68k_reduced from shared/data (700 cells × 765 genes; CSR h5ad, CSC h5ad and 10x MTX);
// - synthetic cells with 2,000 expressed genes each, written to a CSR h5ad first.
// Each input is timed end to end (open, resolve genes, read chunks, tokenize, close), reading only,
// and tokenizing only (chunks already in memory), repeated; medians are reported.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import h5wasm from 'h5wasm/node';
import { Rng } from '../seed/random.ts';
import { openExpressionFile } from '../src/ingest/readers/index.ts';
import { tokenizeSource } from '../src/ingest/tokenize-source.ts';
import { CellTokenizer } from '../src/model/cell-tokenizer.ts';
import { detectValueKind } from '../src/model/expression-values.ts';
import { loadGeneformerVocabulary, type GeneVocabulary } from '../src/model/gene-vocabulary.ts';
import { resolveGenes } from '../src/model/genes.ts';
import { fixed, markdownTable, median, now, peakRssMiB, say } from './lib/measure.ts';
import { writeReport } from './lib/report.ts';
import { SHARED_DATA_DIR, requireFile } from './lib/workloads.ts';
import type { CellChunk } from '../src/model/cells.ts';

const VOCAB_DIR = `${SHARED_DATA_DIR}geneformer-vocab`;
const PBMC_DIR = `${SHARED_DATA_DIR}pbmc68k-reduced/derived/`;
const CHUNK = 512;

interface InputResult {
  input: string;
  cells: number;
  fileGenes: number;
  storedPerCell: number;
  tokensPerCell: number;
  repeats: number;
  endToEndCellsPerSecond: number;
  readCellsPerSecond: number;
  rankCellsPerSecond: number;
}

/**
 * A CSR .h5ad (anndata 0.8 encoding, uncompressed) of `cells` cells over the first `genes` genes of
 * the vocabulary, each cell with `expressed` distinct genes and small integer counts (many ties,
 * as UMI counts have).
 */
async function writeSyntheticH5ad(path: string, vocabulary: GeneVocabulary, cells: number, genes: number, expressed: number): Promise<void> {
  const geneIds = [...vocabulary.geneMedians.keys()].slice(0, genes);
  const rng = new Rng(11);
  const nnz = cells * expressed;
  const data = new Float32Array(nnz);
  const indices = new Int32Array(nnz);
  const indptr = new Int32Array(cells + 1);
  const pool = Int32Array.from({ length: geneIds.length }, (_, i) => i);
  for (let cell = 0; cell < cells; cell += 1) {
    for (let i = 0; i < expressed; i += 1) {
      const j = i + rng.below(pool.length - i);
      const swap = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = swap;
    }
    const row = pool.slice(0, expressed).sort();
    const offset = cell * expressed;
    indices.set(row, offset);
    for (let i = 0; i < expressed; i += 1) data[offset + i] = 1 + Math.floor(-Math.log(1 - rng.uniform()) * 3);
    indptr[cell + 1] = offset + expressed;
  }
  const module = await h5wasm.ready;
  module.activate_throwing_error_handler();
  const file = new h5wasm.File(path, 'w');
  try {
    file.create_attribute('encoding-type', 'anndata');
    file.create_attribute('encoding-version', '0.1.0');
    const x = file.create_group('X');
    x.create_attribute('encoding-type', 'csr_matrix');
    x.create_attribute('encoding-version', '0.1.0');
    x.create_attribute('shape', BigInt64Array.from([BigInt(cells), BigInt(geneIds.length)]));
    x.create_dataset({ name: 'data', data });
    x.create_dataset({ name: 'indices', data: indices });
    x.create_dataset({ name: 'indptr', data: indptr });
    const frame = (name: string, index: string[]) => {
      const group = file.create_group(name);
      group.create_attribute('encoding-type', 'dataframe');
      group.create_attribute('encoding-version', '0.2.0');
      group.create_attribute('_index', '_index');
      group.create_attribute('column-order', new Float64Array(0));
      group.create_dataset({ name: '_index', data: index }).create_attribute('encoding-type', 'string-array');
    };
    frame('obs', Array.from({ length: cells }, (_, i) => `cell-${i}`));
    frame('var', geneIds);
    file.create_group('layers');
  } finally {
    file.close();
  }
}

async function measureInput(name: string, path: string, vocabulary: GeneVocabulary, repeats: number): Promise<InputResult> {
  const tokenizer = new CellTokenizer(vocabulary.clsId, vocabulary.maxLength);
  const endToEnd: number[] = [];
  const reading: number[] = [];
  const ranking: number[] = [];
  let cells = 0;
  let stored = 0;
  let tokens = 0;
  let fileGenes = 0;
  for (let repeat = 0; repeat <= repeats; repeat += 1) {
    // Repeat 0 warms the JIT and the file cache; it is not counted.
    let start = now();
    const source = await openExpressionFile(path);
    let count = 0;
    tokens = 0;
    try {
      for await (const chunk of tokenizeSource(source, vocabulary, tokenizer).chunks(CHUNK)) {
        count += chunk.cellIds.length;
        for (const t of chunk.tokens) tokens += t.length;
      }
    } finally {
      await source.close();
    }
    if (repeat > 0) endToEnd.push(now() - start);

    start = now();
    const reread = await openExpressionFile(path);
    const chunks: CellChunk[] = [];
    try {
      for await (const chunk of reread.chunks(CHUNK)) chunks.push(chunk);
    } finally {
      await reread.close();
    }
    if (repeat > 0) reading.push(now() - start);

    const mapping = resolveGenes(reread.genes, vocabulary, path);
    const kind = detectValueKind(chunks[0]!, path);
    start = now();
    for (const chunk of chunks) tokenizer.tokenizeChunk(chunk, mapping, kind, reread.valuePrecision);
    if (repeat > 0) ranking.push(now() - start);
    cells = count;
    stored = chunks.reduce((sum, c) => sum + c.values.length, 0);
    fileGenes = reread.genes.index.length;
  }
  const result: InputResult = {
    input: name,
    cells,
    fileGenes,
    storedPerCell: stored / cells,
    tokensPerCell: tokens / cells,
    repeats,
    endToEndCellsPerSecond: cells / median(endToEnd),
    readCellsPerSecond: cells / median(reading),
    rankCellsPerSecond: cells / median(ranking),
  };
  say(`  ${name}: ${fixed(result.endToEndCellsPerSecond, 0)} cells/s end to end, read ${fixed(result.readCellsPerSecond, 0)}, rank ${fixed(result.rankCellsPerSecond, 0)}`);
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'synthetic-cells': { type: 'string', default: '5000' },
      'synthetic-genes': { type: 'string', default: '2000' },
      'file-genes': { type: 'string', default: '20000' },
      repeats: { type: 'string', default: '5' },
      'pbmc-repeats': { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('npm run bench -- tokenizer [--synthetic-cells 5000] [--synthetic-genes 2000] [--file-genes 20000] [--repeats 5] [--pbmc-repeats 20]\n');
    return;
  }
  requireFile(`${VOCAB_DIR}/token_dictionary.json`, "the tokenizer bench reads Geneformer's dictionaries from shared/data");
  const vocabulary = await loadGeneformerVocabulary(VOCAB_DIR);
  const syntheticCells = Number.parseInt(values['synthetic-cells']!, 10);
  const expressed = Number.parseInt(values['synthetic-genes']!, 10);
  const fileGenes = Number.parseInt(values['file-genes']!, 10);
  const repeats = Number.parseInt(values.repeats!, 10);
  const pbmcRepeats = Number.parseInt(values['pbmc-repeats']!, 10);
  const results: InputResult[] = [];
  const pbmcInputs: Array<[string, string]> = [
    ['pbmc68k, CSR h5ad', `${PBMC_DIR}pbmc68k_reduced.counts.csr.anndata-0.8.h5ad`],
    ['pbmc68k, CSC h5ad', `${PBMC_DIR}pbmc68k_reduced.counts.csc.anndata-0.8.h5ad`],
    ['pbmc68k, 10x MTX v3', `${PBMC_DIR}mtx`],
  ];
  for (const [name, path] of pbmcInputs) {
    requireFile(path, 'pbmc68k comes from shared/data (see its README.md)');
    say(`tokenizer: ${name} ...`);
    results.push(await measureInput(name, path, vocabulary, pbmcRepeats));
  }
  const temp = await mkdtemp(join(tmpdir(), 'bench-tokenizer-'));
  try {
    const path = join(temp, 'synthetic.h5ad');
    say(`tokenizer: writing ${syntheticCells} synthetic cells × ${expressed} expressed of ${fileGenes} genes ...`);
    await writeSyntheticH5ad(path, vocabulary, syntheticCells, fileGenes, expressed);
    results.push(await measureInput(`synthetic ${expressed}-gene cells, CSR h5ad`, path, vocabulary, repeats));
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const markdown = [
    '## Cells per second',
    '',
    `End to end = open the file, resolve its genes, read chunks of ${CHUNK} cells, tokenize, close (what \`tokenize\` does without writing). ` +
      'Read = the reader alone; rank = `CellTokenizer.tokenizeChunk` on chunks already in memory (normalise, rank, truncate to 2,048). Medians over the repeats, one thread (the tokenizer is synchronous JS).',
    '',
    markdownTable(
      ['input', 'cells', 'genes in file', 'stored values/cell', 'tokens/cell', 'repeats', 'end to end cells/s', 'read cells/s', 'rank cells/s'],
      results.map((r) => [
        r.input,
        String(r.cells),
        String(r.fileGenes),
        fixed(r.storedPerCell, 0),
        fixed(r.tokensPerCell, 0),
        String(r.repeats),
        fixed(r.endToEndCellsPerSecond, 0),
        fixed(r.readCellsPerSecond, 0),
        fixed(r.rankCellsPerSecond, 0),
      ]),
    ),
    '',
    `Peak RSS of the run: ${fixed(peakRssMiB(), 0)} MiB.`,
  ].join('\n');
  const { mdPath } = await writeReport({
    name: 'tokenizer',
    title: 'Cell tokenizer throughput (read + rank)',
    parameters: { vocabulary: 'Geneformer (shared/data/geneformer-vocab)', 'chunk size': CHUNK, 'synthetic cells': syntheticCells, 'synthetic expressed genes': expressed, 'synthetic file genes': fileGenes, repeats, 'pbmc repeats': pbmcRepeats },
    results,
    markdown,
  });
  process.stdout.write(`${markdown}\n\nreport: ${mdPath}\n`);
}

await main();
