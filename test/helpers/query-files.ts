/**
 * Query files for annotation tests: demo cells written as an h5ad whose values are the counts put
 * through `transform` (per cell: the value and the cell's total), e.g. log1p of CP10k, and whose
 * `cell_type` column is the given truth.
 */
import { join } from 'node:path';
import type { ReferenceCells } from './atlas-db.ts';
import { writeH5ad } from './h5ad-writer.ts';

export async function writeQueryH5ad(
  dir: string,
  name: string,
  cells: ReferenceCells,
  truth: readonly string[],
  transform: (value: number, total: number) => number = (v) => v,
): Promise<string> {
  const path = join(dir, name);
  const matrix = cells.matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (v === 0 ? 0 : transform(v, total)));
  });
  await writeH5ad(path, {
    X: matrix,
    layout: 'csr',
    encoding: 'modern',
    dtype: '<f',
    obs: { index: cells.cellIds.map((c) => `q-${c}`), columns: { cell_type: { kind: 'categorical', values: truth }, donor: { kind: 'categorical', values: cells.donors } } },
    var: { index: cells.geneIds },
  });
  return path;
}
