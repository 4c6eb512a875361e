/**
 * What a reader finds in a file (`langcell-atlas inspect`): streams the whole file and reports
 * format, matrix location, shape, stored entries, value range, first ids, gene columns and obs
 * columns (with the label counts of low-cardinality ones).
 */
import type { ObsValue } from '../../model/cells.ts';
import { openExpressionFile } from './index.ts';
import type { OpenOptions } from './types.ts';

const MAX_LISTED_LABELS = 12;

export async function inspectExpressionFile(path: string, options: OpenOptions, cellsPerChunk: number, print: (line: string) => void): Promise<void> {
  const console = { log: print };
  const started = performance.now();
  const source = await openExpressionFile(path, options);
  const opened = performance.now();
  try {
    console.log(`path:      ${source.path}`);
    console.log(`format:    ${source.format}`);
    console.log(`matrix:    ${source.matrixLocation}`);
    console.log(`shape:     ${source.nCells} cells × ${source.genes.index.length} genes`);
    console.log(`genes:     ${source.genes.index.slice(0, 5).join(', ')}, …`);
    for (const [name, values] of Object.entries(source.genes.columns)) {
      console.log(`  var.${name}: ${values.slice(0, 3).join(', ')}, …`);
    }

    let nnz = 0;
    let min = Infinity;
    let max = -Infinity;
    let allIntegers = true;
    let chunks = 0;
    let minPerCell = Infinity;
    let maxPerCell = 0;
    const firstCells: string[] = [];
    const labelCounts = new Map<string, Map<string, number>>();
    const columnKinds = new Map<string, string>();
    for await (const chunk of source.chunks(cellsPerChunk)) {
      chunks++;
      nnz += chunk.values.length;
      for (const value of chunk.values) {
        if (value < min) min = value;
        if (value > max) max = value;
        if (allIntegers && !Number.isInteger(value)) allIntegers = false;
      }
      for (let row = 0; row < chunk.cellIds.length; row++) {
        const stored = (chunk.indptr[row + 1] ?? 0) - (chunk.indptr[row] ?? 0);
        minPerCell = Math.min(minPerCell, stored);
        maxPerCell = Math.max(maxPerCell, stored);
      }
      if (firstCells.length < 3) firstCells.push(...chunk.cellIds.slice(0, 3 - firstCells.length));
      for (const [name, values] of Object.entries(chunk.obs)) countLabels(labelCounts, columnKinds, name, values);
    }
    const finished = performance.now();
    console.log(`cells:     ${firstCells.join(', ')}, …`);
    console.log(`stored:    ${nnz} entries in ${chunks} chunks of ≤ ${cellsPerChunk} cells`);
    console.log(`per cell:  ${minPerCell}–${maxPerCell} stored entries`);
    console.log(`values:    ${min} … ${max}${allIntegers ? ' (all integers)' : ''}`);
    console.log(`obs:       ${source.obsColumns.join(', ') || '(none)'}`);
    for (const [name, counts] of labelCounts) {
      if (counts.size > MAX_LISTED_LABELS) {
        console.log(`  ${name} (${columnKinds.get(name)}): more than ${MAX_LISTED_LABELS} distinct values`);
        continue;
      }
      const listed = [...counts].sort((a, b) => b[1] - a[1]).map(([label, count]) => `${label} ${count}`);
      console.log(`  ${name} (${columnKinds.get(name)}): ${listed.join(' | ')}`);
    }
    console.log(`time:      open ${(opened - started).toFixed(0)} ms, stream ${(finished - opened).toFixed(0)} ms`);
  } finally {
    await source.close();
  }
}

function countLabels(
  counts: Map<string, Map<string, number>>,
  kinds: Map<string, string>,
  name: string,
  values: readonly ObsValue[],
): void {
  let column = counts.get(name);
  if (!column) {
    column = new Map();
    counts.set(name, column);
  }
  for (const value of values) {
    if (!kinds.has(name) && value !== null) kinds.set(name, typeof value);
    // Numeric columns are mostly distinct; cap the map so they cost little.
    if (column.size > MAX_LISTED_LABELS * 4 && !column.has(String(value))) continue;
    const key = String(value);
    column.set(key, (column.get(key) ?? 0) + 1);
  }
}
