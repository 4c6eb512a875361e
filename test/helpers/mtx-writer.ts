/**
 * Writes 10x matrix folders (v2: genes.tsv, barcodes.tsv, matrix.mtx; v3: the same gzipped, with
 * features.tsv.gz) from a cells × genes matrix, with the entry order a test asks for.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Matrix } from './h5ad-writer.ts';

export type EntryOrder = 'by-cell' | 'by-gene' | 'shuffled';

export interface MtxSpec {
  /** cells × genes, as the readers return it; the file is written genes × cells. */
  readonly matrix: Matrix;
  readonly geneIds: readonly string[];
  readonly geneSymbols: readonly string[];
  readonly barcodes: readonly string[];
  readonly version: 'v2' | 'v3';
  readonly order?: EntryOrder;
  readonly field?: 'integer' | 'real';
  /** Overrides the size line, to build inconsistent files. */
  readonly sizeLine?: string;
  /** Extra raw lines appended after the entries. */
  readonly extraLines?: readonly string[];
}

interface Entry {
  readonly gene: number;
  readonly cell: number;
  readonly value: number;
}

/** Deterministic Fisher–Yates so a failing test is reproducible. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed;
  const next = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

export function mtxText(spec: MtxSpec): string {
  const entries: Entry[] = [];
  spec.matrix.forEach((row, cell) =>
    row.forEach((value, gene) => {
      if (value !== 0) entries.push({ gene, cell, value });
    }),
  );
  const order = spec.order ?? 'by-cell';
  // Cell Ranger writes each barcode's genes in descending order; mirror that for 'by-cell'.
  if (order === 'by-cell') entries.sort((a, b) => a.cell - b.cell || b.gene - a.gene);
  if (order === 'by-gene') entries.sort((a, b) => a.gene - b.gene || a.cell - b.cell);
  if (order === 'shuffled') shuffle(entries, 42);
  const nGenes = spec.geneIds.length;
  const lines = [
    `%%MatrixMarket matrix coordinate ${spec.field ?? 'integer'} general`,
    '%metadata_json: {"software_version": "test", "format_version": 2}',
    spec.sizeLine ?? `${nGenes} ${spec.barcodes.length} ${entries.length}`,
    ...entries.map((entry) => `${entry.gene + 1} ${entry.cell + 1} ${entry.value}`),
    ...(spec.extraLines ?? []),
  ];
  return `${lines.join('\n')}\n`;
}

export function writeMtxDir(directory: string, spec: MtxSpec): void {
  mkdirSync(directory, { recursive: true });
  const geneLines = spec.geneIds.map((id, gene) =>
    spec.version === 'v3' ? `${id}\t${spec.geneSymbols[gene]}\tGene Expression` : `${id}\t${spec.geneSymbols[gene]}`,
  );
  const text = (lines: readonly string[]): string => `${lines.join('\n')}\n`;
  if (spec.version === 'v3') {
    writeFileSync(join(directory, 'features.tsv.gz'), gzipSync(text(geneLines)));
    writeFileSync(join(directory, 'barcodes.tsv.gz'), gzipSync(text(spec.barcodes)));
    writeFileSync(join(directory, 'matrix.mtx.gz'), gzipSync(mtxText(spec)));
  } else {
    writeFileSync(join(directory, 'genes.tsv'), text(geneLines));
    writeFileSync(join(directory, 'barcodes.tsv'), text(spec.barcodes));
    writeFileSync(join(directory, 'matrix.mtx'), mtxText(spec));
  }
}
