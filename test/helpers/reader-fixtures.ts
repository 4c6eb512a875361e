/**
 * A small expression matrix with the awkward cases in it (an empty cell, an unexpressed gene,
 * a missing label), a helper that drains an ExpressionSource (or a cell range of it) while
 * checking the CellChunk contract on every chunk, and one that checks ranges and cellIds against
 * the matrix a test wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { AtlasError } from '../../src/errors.ts';
import type { CellRange, ExpressionSource } from '../../src/ingest/readers/types.ts';
import type { Matrix } from './h5ad-writer.ts';
import type { ObsValue } from '../../src/model/cells.ts';

/** 7 cells × 5 genes. Cell 1 has no counts; gene 3 is expressed in one cell only. */
export const COUNTS: Matrix = [
  [1, 0, 3, 0, 0],
  [0, 0, 0, 0, 0],
  [0, 2, 0, 0, 7],
  [4, 0, 0, 1, 0],
  [0, 0, 0, 0, 9],
  [2, 5, 1, 0, 3],
  [0, 0, 6, 0, 0],
];
export const CELL_IDS = ['AAAC-1', 'AAAG-1', 'AACT-1', 'AAGC-1', 'ACGT-1', 'AGGA-1', 'ATTC-1'];
export const GENE_IDS = ['ENSG00000000001', 'ENSG00000000002', 'ENSG00000000003', 'ENSG00000000004', 'ENSG00000000005'];
export const GENE_SYMBOLS = ['CD3E', 'MS4A1', 'LYZ', 'NKG7', 'PPBP'];
export const CELL_TYPES: readonly (string | null)[] = ['T cell', 'B cell', null, 'T cell', 'NK cell', 'B cell', 'T cell'];
export const BATCHES = ['b1', 'b1', 'b2', 'b2', 'b2', 'b3', 'b3'];
export const N_COUNTS = [4, 0, 9, 5, 9, 11, 6];

/** A deterministic sparse matrix large enough to need several spool buckets at chunk size 1. */
export function largeMatrix(nCells: number, nGenes: number): number[][] {
  let state = 7;
  const next = (): number => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
  return Array.from({ length: nCells }, () =>
    Array.from({ length: nGenes }, () => (next() < 0.2 ? 1 + Math.floor(next() * 50) : 0)),
  );
}

export interface Drained {
  readonly dense: number[][];
  readonly cellIds: string[];
  readonly obs: Record<string, ObsValue[]>;
  readonly starts: number[];
  readonly chunkSizes: number[];
}

/** Reads every chunk (of `range`, default all), checks the CSR contract, and rebuilds the dense cells × genes matrix. */
export async function drain(source: ExpressionSource, cellsPerChunk: number, range?: CellRange): Promise<Drained> {
  const nGenes = source.genes.index.length;
  const dense: number[][] = [];
  const cellIds: string[] = [];
  const obs: Record<string, ObsValue[]> = {};
  const starts: number[] = [];
  const chunkSizes: number[] = [];
  for await (const chunk of source.chunks(cellsPerChunk, range)) {
    expect(chunk.start).toBe((range?.start ?? 0) + cellIds.length);
    expect(chunk.cellIds.length).toBeLessThanOrEqual(cellsPerChunk);
    expect(chunk.indptr.length).toBe(chunk.cellIds.length + 1);
    expect(chunk.indptr[0]).toBe(0);
    expect(chunk.indptr[chunk.cellIds.length]).toBe(chunk.indices.length);
    expect(chunk.values.length).toBe(chunk.indices.length);
    starts.push(chunk.start);
    chunkSizes.push(chunk.cellIds.length);
    for (let row = 0; row < chunk.cellIds.length; row++) {
      const values = new Array<number>(nGenes).fill(0);
      const from = chunk.indptr[row] ?? 0;
      const to = chunk.indptr[row + 1] ?? 0;
      for (let k = from; k < to; k++) {
        if (k > from) expect(chunk.indices[k]).toBeGreaterThan(chunk.indices[k - 1] ?? -1);
        values[chunk.indices[k] ?? 0] = chunk.values[k] ?? Number.NaN;
      }
      dense.push(values);
    }
    cellIds.push(...chunk.cellIds);
    for (const [name, values] of Object.entries(chunk.obs)) {
      expect(values.length).toBe(chunk.cellIds.length);
      (obs[name] ??= []).push(...values);
    }
  }
  return { dense, cellIds, obs, starts, chunkSizes };
}

export function expectedStarts(nCells: number, cellsPerChunk: number, from = 0): number[] {
  return Array.from({ length: Math.ceil((nCells - from) / cellsPerChunk) }, (_, k) => from + k * cellsPerChunk);
}

/**
 * Ranges that start and end inside chunks of the full pass, single cells, the last cell and an
 * empty range — each at chunk sizes 1, 2, 3 and 100 — must give exactly those rows of `expected`;
 * `cellIds()` must list `ids`; a range outside the file is INVALID_INPUT.
 */
export async function expectRangesAndIds(source: ExpressionSource, expected: Matrix, ids: readonly string[]): Promise<void> {
  const n = expected.length;
  const ranges: CellRange[] = [
    { start: 0, end: n },
    { start: 2, end: 5 },
    { start: 1, end: n - 1 },
    { start: 3, end: 4 },
    { start: n - 1, end: n },
    { start: 4, end: 4 },
  ];
  for (const range of ranges) {
    for (const cellsPerChunk of [1, 2, 3, 100]) {
      const read = await drain(source, cellsPerChunk, range);
      expect(read.dense).toEqual(expected.slice(range.start, range.end));
      expect(read.cellIds).toEqual(ids.slice(range.start, range.end));
      expect(read.starts).toEqual(expectedStarts(range.end, cellsPerChunk, range.start));
    }
  }
  expect(await source.cellIds()).toEqual(ids);
  for (const range of [{ start: -1, end: 2 }, { start: 3, end: 2 }, { start: 0, end: n + 1 }, { start: 0.5, end: 2 }]) {
    let refusal: unknown;
    try {
      source.chunks(2, range);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AtlasError);
    expect((refusal as AtlasError).code).toBe('INVALID_INPUT');
  }
}

export function temporaryDirectory(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
