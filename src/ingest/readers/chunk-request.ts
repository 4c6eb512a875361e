/**
 * What a `chunks()` call asks for — a chunk size and a cell range — checked once at the edge, and
 * the chunk boundaries every reader uses: chunks start at the range's first cell and hold
 * `cellsPerChunk` cells, the last one fewer.
 */
import { AtlasError } from '../../errors.ts';
import type { CellRange } from './types.ts';

export function assertChunkSize(cellsPerChunk: number): void {
  if (!Number.isInteger(cellsPerChunk) || cellsPerChunk < 1) {
    throw new AtlasError('INVALID_INPUT', `cellsPerChunk must be a positive integer, got ${cellsPerChunk}.`, {
      cellsPerChunk,
    });
  }
}

/** The requested range, or all cells; refuses one that is not inside [0, nCells]. */
export function resolveCellRange(range: CellRange | undefined, nCells: number, filePath: string): CellRange {
  if (range === undefined) return { start: 0, end: nCells };
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > nCells) {
    throw new AtlasError(
      'INVALID_INPUT',
      `${filePath}: cell range [${start}, ${end}) is not inside the file's ${nCells} cells; ` +
        `ranges are 0-based, end exclusive, with 0 ≤ start ≤ end ≤ ${nCells}.`,
      { path: filePath, start, end, nCells },
    );
  }
  return { start, end };
}

/** Checks both arguments of `chunks()`; returns the range to read. */
export function checkChunkRequest(
  cellsPerChunk: number,
  range: CellRange | undefined,
  nCells: number,
  filePath: string,
): CellRange {
  assertChunkSize(cellsPerChunk);
  return resolveCellRange(range, nCells, filePath);
}

/** [start, end) of each chunk of `range`. */
export function* chunkBounds(range: CellRange, cellsPerChunk: number): Generator<CellRange> {
  for (let start = range.start; start < range.end; start += cellsPerChunk) {
    yield { start, end: Math.min(range.end, start + cellsPerChunk) };
  }
}
