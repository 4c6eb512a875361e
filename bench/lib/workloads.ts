// Inputs the benchmarks share: real PBMC cells tokenized with a bundle's vocabulary, synthetic
// full-transcriptome cells, the demo atlas's held-out cells, and where the data and bundles live.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { demoChunk, demoRows, generateDemoAtlas, type DemoAtlas } from '../../seed/atlas.ts';
import { openExpressionFile } from '../../src/ingest/readers/index.ts';
import { tokenizeSource } from '../../src/ingest/tokenize-source.ts';
import { CellTokenizer } from '../../src/model/cell-tokenizer.ts';
import type { GeneVocabulary } from '../../src/model/gene-vocabulary.ts';
import { resolveGenes } from '../../src/model/genes.ts';
import { Rng } from '../../seed/random.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The langcell-size random-init bundle (bench/README.md says how to make it). */
export const BENCH_BUNDLE_DIR = fileURLToPath(new URL('../bundles/langcell/', import.meta.url));
export const SHARED_DATA_DIR = process.env.LANGCELL_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));
/** pbmc68k_reduced with raw integer counts (700 cells × 765 genes, Ensembl ids in var.gene_ids). */
export const PBMC68K_H5AD = `${SHARED_DATA_DIR}pbmc68k-reduced/derived/pbmc68k_reduced.counts.csr.anndata-0.8.h5ad`;

export function requireFile(path: string, how: string): void {
  if (!existsSync(path)) {
    process.stderr.write(`error: ${path} is missing; ${how}\n`);
    process.exit(2);
  }
}

export function requireBenchBundle(dir: string): void {
  requireFile(
    `${dir}/manifest.json`,
    'make the bench bundle first (about 10 min, bench/README.md):\n' +
      '  /usr/bin/python3 -m tools.model export --random-init langcell --gene-dicts ../shared/data/geneformer-vocab --out bench/bundles/langcell',
  );
}

/** Every cell of an expression file, tokenized as the CLI does (reader → gene mapping → rank). */
export async function tokenizeFile(path: string, vocabulary: GeneVocabulary): Promise<Int32Array[]> {
  const source = await openExpressionFile(path);
  try {
    const tokenizer = new CellTokenizer(vocabulary.clsId, vocabulary.maxLength);
    const cells: Int32Array[] = [];
    for await (const chunk of tokenizeSource(source, vocabulary, tokenizer).chunks(512)) cells.push(...chunk.tokens);
    return cells;
  } finally {
    await source.close();
  }
}

/** `count` cells taken from `cells` in order, cycling when more are asked for than there are. */
export function cycle<T>(cells: readonly T[], count: number): T[] {
  return Array.from({ length: count }, (_, i) => cells[i % cells.length]!);
}

/**
 * Synthetic full-transcriptome cells: lengths uniform in [minLength, maxLength] (with `<cls>`),
 * distinct gene tokens drawn from the vocabulary's gene ids (2 … clsId − 1), in random order.
 */
export function syntheticCells(count: number, minLength: number, maxLength: number, clsId: number, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  const geneCount = clsId - 2;
  const pool = Int32Array.from({ length: geneCount }, (_, i) => i + 2);
  return Array.from({ length: count }, () => {
    const length = minLength + rng.below(maxLength - minLength + 1);
    const cell = new Int32Array(length);
    cell[0] = clsId;
    // Partial Fisher–Yates: the first length−1 entries of the pool become the cell's genes.
    for (let i = 0; i < length - 1; i += 1) {
      const j = i + rng.below(geneCount - i);
      const swap = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = swap;
      cell[i + 1] = pool[i]!;
    }
    return cell;
  });
}

export interface DemoCells {
  readonly atlas: DemoAtlas;
  /** Atlas row of each returned cell (held-out split, in atlas order). */
  readonly rows: readonly number[];
  readonly tokens: Int32Array[];
  /** The cell type label (Cell Ontology name) of each returned cell. */
  readonly labels: readonly string[];
}

/** The demo atlas's held-out cells (at most `limit`), tokenized with a vocabulary, as the demo-model test does. */
export function demoAtlasCells(vocabulary: GeneVocabulary, limit: number): DemoCells {
  const atlas = generateDemoAtlas();
  const rows = atlas.cells.filter((c) => c.split === 'test').map((c) => c.index).slice(0, limit);
  const mapping = resolveGenes({ index: atlas.genes.map((g) => g.ensemblId), columns: {} }, vocabulary, 'demo atlas');
  const chunk = demoChunk(demoRows(atlas, rows));
  const tokenizer = new CellTokenizer(vocabulary.clsId, vocabulary.maxLength);
  return { atlas, rows, tokens: tokenizer.tokenizeChunk(chunk, mapping, 'counts'), labels: rows.map((r) => atlas.cells[r]!.label) };
}

export function lengthSummary(cells: readonly Int32Array[]): { min: number; median: number; max: number; mean: number } {
  const lengths = cells.map((c) => c.length).sort((a, b) => a - b);
  return {
    min: lengths[0] ?? 0,
    median: lengths[Math.floor(lengths.length / 2)] ?? 0,
    max: lengths[lengths.length - 1] ?? 0,
    mean: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length),
  };
}
