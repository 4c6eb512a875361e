/**
 * Integration-test plumbing: a fresh PostgreSQL database per test file (on the server at
 * TEST_DATABASE_ADMIN_URL, default the local one at 127.0.0.1:5432), a config pointing at it, and
 * small reference files made from the demo atlas generator (real genes, realistic counts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig, type Config } from '../../src/config.ts';
import { generateDemoAtlas } from '../../seed/atlas.ts';
import { writeH5ad } from './h5ad-writer.ts';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `langcell_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `langcell-${prefix}-`));
}

export function testConfig(databaseUrl: string, dataDir: string, env: Record<string, string> = {}): Config {
  return parseConfig({ DATABASE_URL: databaseUrl, LANGCELL_DATA_DIR: dataDir, LANGCELL_INGEST_CHUNK_CELLS: '64', LANGCELL_CPU_THREADS: '1', ...env });
}

export interface ReferenceCells {
  readonly matrix: number[][];
  readonly geneIds: string[];
  readonly geneSymbols: string[];
  readonly cellIds: string[];
  readonly labels: string[];
  readonly donors: string[];
}

/** `cells` demo cells as a dense cells × genes matrix with their ids, labels and donors. */
export function referenceCells(cells: number, seed = 7): ReferenceCells {
  const atlas = generateDemoAtlas({ cells, seed });
  const matrix = atlas.cells.map((_, row) => {
    const dense = new Array<number>(atlas.genes.length).fill(0);
    for (let k = atlas.counts.indptr[row]!; k < atlas.counts.indptr[row + 1]!; k += 1) dense[atlas.counts.indices[k]!] = atlas.counts.values[k]!;
    return dense;
  });
  return {
    matrix,
    geneIds: atlas.genes.map((g) => g.ensemblId),
    geneSymbols: atlas.genes.map((g) => g.symbol),
    cellIds: atlas.cells.map((c) => c.id),
    labels: atlas.cells.map((c) => c.label),
    donors: atlas.cells.map((c) => c.donor),
  };
}

/** Row `row` of `cells` as an annotateCell expression input: its expressed genes (Ensembl ids) and counts. */
export function expressionOf(cells: ReferenceCells, row: number): { genes: string[]; values: number[]; valueType: 'counts' } {
  const values = cells.matrix[row]!;
  const present = values.flatMap((v, j) => (v > 0 ? [j] : []));
  return { genes: present.map((j) => cells.geneIds[j]!), values: present.map((j) => values[j]!), valueType: 'counts' };
}

/** An h5ad reference of `cells` demo cells (CSR counts, a `cell_type` column), ids prefixed so they never clash with the seeded atlas. */
export async function writeDemoReference(path: string, cells: number, seed: number, prefix: string): Promise<void> {
  const reference = referenceCells(cells, seed);
  await writeH5ad(path, {
    X: reference.matrix, layout: 'csr', encoding: 'modern', dtype: '<f',
    obs: { index: reference.cellIds.map((c) => `${prefix}-${c}`), columns: { cell_type: { kind: 'categorical', values: reference.labels } } },
    var: { index: reference.geneIds },
  });
}
