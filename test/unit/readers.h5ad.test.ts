import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import h5wasm from 'h5wasm/node';
import { AtlasError } from '../../src/errors.ts';
import { openExpressionFile } from '../../src/ingest/readers/index.ts';
import { normalizeRows } from '../../src/ingest/readers/csr.ts';
import type { Encoding, FrameSpec, H5adSpec, Layout, ValueDtype } from '../helpers/h5ad-writer.ts';
import { withFilterReplaced, writeH5ad } from '../helpers/h5ad-writer.ts';
import {
  BATCHES,
  CELL_IDS,
  CELL_TYPES,
  COUNTS,
  GENE_IDS,
  GENE_SYMBOLS,
  N_COUNTS,
  drain,
  expectRangesAndIds,
  expectedStarts,
  largeMatrix,
  temporaryDirectory,
} from '../helpers/reader-fixtures.ts';

const directory = temporaryDirectory('readers-h5ad-');
afterAll(() => directory.remove());
let fileCounter = 0;
const nextPath = (name = 'test'): string => join(directory.path, `${name}-${fileCounter++}.h5ad`);

const OBS: FrameSpec = {
  index: CELL_IDS,
  columns: {
    cell_type: { kind: 'categorical', values: CELL_TYPES },
    batch: { kind: 'string', values: BATCHES },
    n_counts: { kind: 'number', values: N_COUNTS },
  },
};
const VAR: FrameSpec = {
  index: GENE_SYMBOLS,
  columns: {
    gene_ids: { kind: 'string', values: GENE_IDS },
    feature_type: { kind: 'categorical', values: ['Gene Expression', 'Gene Expression', 'Gene Expression', 'Antibody', 'Gene Expression'] },
  },
};

async function writeSpec(overrides: Partial<H5adSpec> = {}, name?: string): Promise<string> {
  const path = nextPath(name);
  await writeH5ad(path, { X: COUNTS, layout: 'csr', encoding: 'modern', obs: OBS, var: VAR, ...overrides });
  return path;
}

async function expectRefusal(action: Promise<unknown>, code: string, ...fragments: string[]): Promise<AtlasError> {
  const error = await action.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(AtlasError);
  const atlasError = error as AtlasError;
  expect(atlasError.code).toBe(code);
  for (const fragment of fragments) expect(atlasError.message).toContain(fragment);
  return atlasError;
}

describe('h5ad reader: layouts × encodings × chunk sizes', () => {
  const layouts: Layout[] = ['csr', 'csc', 'dense'];
  const encodings: Encoding[] = ['modern', 'anndata-0.7', 'legacy-0.6'];
  for (const encoding of encodings) {
    for (const layout of layouts) {
      it(`${encoding} ${layout}: every value, id, obs column and gene column`, async () => {
        const path = await writeSpec({ layout, encoding });
        const source = await openExpressionFile(path);
        try {
          expect(source.format).toBe('h5ad');
          expect(source.matrixLocation).toBe('X');
          expect(source.nCells).toBe(7);
          expect(source.genes.index).toEqual(GENE_SYMBOLS);
          expect(source.genes.columns['gene_ids']).toEqual(GENE_IDS);
          if (encoding !== 'legacy-0.6') {
            expect(source.genes.columns['feature_type']).toEqual(['Gene Expression', 'Gene Expression', 'Gene Expression', 'Antibody', 'Gene Expression']);
          }
          expect(source.obsColumns).toEqual(['cell_type', 'batch', 'n_counts']);
          for (const cellsPerChunk of [1, 3, 7, 100]) {
            const read = await drain(source, cellsPerChunk);
            expect(read.dense).toEqual(COUNTS);
            expect(read.cellIds).toEqual(CELL_IDS);
            expect(read.starts).toEqual(expectedStarts(7, cellsPerChunk));
            expect(read.obs['cell_type']).toEqual(CELL_TYPES);
            expect(read.obs['batch']).toEqual(BATCHES);
            expect(read.obs['n_counts']).toEqual(N_COUNTS);
          }
        } finally {
          await source.close();
        }
      });
    }
  }

  for (const dtype of ['<d', '<i', '<q'] as ValueDtype[]) {
    it(`converts ${dtype} values to Float32 and reports float64 arithmetic, as numpy would use`, async () => {
      const source = await openExpressionFile(await writeSpec({ dtype, layout: 'csr' }));
      const read = await drain(source, 2);
      expect(read.dense).toEqual(COUNTS);
      expect(source.valuePrecision).toBe('float64');
      await source.close();
    });
  }

  it('float32 storage reports float32 arithmetic', async () => {
    const source = await openExpressionFile(await writeSpec({ dtype: '<f', layout: 'dense' }));
    expect(source.valuePrecision).toBe('float32');
    await source.close();
  });

  it('reads nullable integers with their mask as null', async () => {
    const path = await writeSpec({
      obs: { index: CELL_IDS, columns: { umis: { kind: 'nullable-integer', values: [1, null, 3, 4, null, 6, 7] } } },
    });
    const source = await openExpressionFile(path);
    expect((await drain(source, 4)).obs['umis']).toEqual([1, null, 3, 4, null, 6, 7]);
    await source.close();
  });

  it('CSC with more chunks than spool buckets (600 cells, chunk size 1 and 7) equals CSR', async () => {
    const matrix = largeMatrix(600, 23);
    const obs: FrameSpec = { index: matrix.map((_, cell) => `cell-${cell}`) };
    const genes: FrameSpec = { index: Array.from({ length: 23 }, (_, gene) => `g${gene}`) };
    const csr = await openExpressionFile(await writeSpec({ X: matrix, layout: 'csr', obs, var: genes }));
    const csc = await openExpressionFile(await writeSpec({ X: matrix, layout: 'csc', obs, var: genes }));
    for (const cellsPerChunk of [1, 7]) {
      const fromCsc = await drain(csc, cellsPerChunk);
      expect(fromCsc.dense).toEqual(matrix);
      expect(fromCsc.cellIds).toEqual(obs.index);
      expect(fromCsc.starts).toEqual(expectedStarts(600, cellsPerChunk));
      expect((await drain(csr, cellsPerChunk)).dense).toEqual(fromCsc.dense);
    }
    await csr.close();
    await csc.close();
  });

  for (const layout of ['csr', 'csc', 'dense'] as const) {
    for (const encoding of ['modern', 'legacy-0.6'] as const) {
      it(`${encoding} ${layout}: cell ranges (cut inside chunks) with their obs rows, and cellIds`, async () => {
        const source = await openExpressionFile(await writeSpec({ layout, encoding }));
        await expectRangesAndIds(source, COUNTS, CELL_IDS);
        const read = await drain(source, 2, { start: 1, end: 6 });
        expect(read.obs['cell_type']).toEqual(CELL_TYPES.slice(1, 6));
        expect(read.obs['n_counts']).toEqual(N_COUNTS.slice(1, 6));
        await source.close();
      });
    }
  }

  it('CSC spools only the requested range: disjoint ranges of 600 cells give every cell once', async () => {
    const matrix = largeMatrix(600, 7);
    const obs: FrameSpec = { index: matrix.map((_, cell) => `cell-${cell}`) };
    const genes: FrameSpec = { index: Array.from({ length: 7 }, (_, gene) => `g${gene}`) };
    const source = await openExpressionFile(await writeSpec({ X: matrix, layout: 'csc', obs, var: genes }));
    const dense: number[][] = [];
    for (const range of [{ start: 0, end: 250 }, { start: 250, end: 251 }, { start: 251, end: 600 }]) {
      dense.push(...(await drain(source, 7, range)).dense);
    }
    expect(dense).toEqual(matrix);
    await source.close();
  });

  it('stops early without leaking and can be iterated again', async () => {
    const source = await openExpressionFile(await writeSpec({ layout: 'csc' }));
    for await (const chunk of source.chunks(2)) {
      expect(chunk.start).toBe(0);
      break;
    }
    expect((await drain(source, 3)).dense).toEqual(COUNTS);
    await source.close();
  });
});

describe('h5ad reader: matrix choice', () => {
  const scaled = COUNTS.map((row) => row.map((value) => value / 2 - 0.5));
  const logged = COUNTS.map((row) => [...row.map((value) => Math.round(Math.log1p(value) * 1000) / 1000), 0]);
  const rawVar: FrameSpec = { index: [...GENE_SYMBOLS, 'EXTRA'], columns: { gene_ids: { kind: 'string', values: [...GENE_IDS, 'ENSG00000000006'] } } };

  it('auto prefers layers/counts, then raw/X (with raw/var), then X; explicit choices are honoured', async () => {
    const path = await writeSpec({ X: scaled, layout: 'dense', raw: { X: logged, var: rawVar }, layers: { counts: COUNTS, layout: 'csc' } });
    const auto = await openExpressionFile(path);
    expect(auto.matrixLocation).toBe('layers/counts');
    expect((await drain(auto, 3)).dense).toEqual(COUNTS);
    await auto.close();

    const raw = await openExpressionFile(path, { matrix: 'raw' });
    expect(raw.matrixLocation).toBe('raw/X');
    expect(raw.genes.index).toEqual(rawVar.index);
    expect(raw.genes.columns['gene_ids']).toEqual(rawVar.columns?.['gene_ids']?.values);
    const rawRead = await drain(raw, 3);
    rawRead.dense.forEach((row, cell) => row.forEach((value, gene) => expect(value).toBeCloseTo(logged[cell]?.[gene] ?? NaN, 5)));
    await raw.close();

    const x = await openExpressionFile(path, { matrix: 'X' });
    expect(x.matrixLocation).toBe('X');
    expect(x.genes.index).toEqual(GENE_SYMBOLS);
    (await drain(x, 5)).dense.forEach((row, cell) => row.forEach((value, gene) => expect(value).toBeCloseTo(scaled[cell]?.[gene] ?? NaN, 5)));
    await x.close();

    const noCounts = await writeSpec({ X: scaled, raw: { X: logged, var: rawVar } });
    const second = await openExpressionFile(noCounts);
    expect(second.matrixLocation).toBe('raw/X');
    await second.close();
  });

  it('legacy raw.X group with raw.var is the raw matrix', async () => {
    const path = await writeSpec({ encoding: 'legacy-0.6', layout: 'dense', X: scaled, raw: { X: logged, var: rawVar } });
    const source = await openExpressionFile(path);
    expect(source.matrixLocation).toBe('raw.X');
    expect(source.genes.index).toEqual(rawVar.index);
    expect(source.genes.columns['gene_ids']).toEqual(rawVar.columns?.['gene_ids']?.values);
    const read = await drain(source, 4);
    expect(read.obs['cell_type']).toEqual(CELL_TYPES);
    read.dense.forEach((row, cell) => row.forEach((value, gene) => expect(value).toBeCloseTo(logged[cell]?.[gene] ?? NaN, 5)));
    await source.close();
  });

  it('a file with no matrix at all says so in plain words', async () => {
    const path = nextPath('no-matrix');
    await h5wasm.ready;
    const file = new h5wasm.File(path, 'w');
    file.create_group('obs');
    file.create_group('var');
    file.close();
    const error = await expectRefusal(openExpressionFile(path), 'MATRIX_NOT_FOUND', 'no expression matrix', 'looked for layers/counts, raw/X and X');
    expect(error.message).not.toContain('no matrix any of');
  });

  it('a missing explicit matrix is MATRIX_NOT_FOUND listing what exists', async () => {
    const path = await writeSpec();
    await expectRefusal(openExpressionFile(path, { matrix: 'counts' }), 'MATRIX_NOT_FOUND', 'layers/counts', 'X (layer X)');
    await expectRefusal(openExpressionFile(path, { matrix: 'raw' }), 'MATRIX_NOT_FOUND', 'raw/X');
  });
});

describe("h5ad reader: scanpy's log1p note", () => {
  it('reports uns/log1p (base e when it has no base) for X, never for a counts layer', async () => {
    const natural = await openExpressionFile(await writeSpec({ log1pBase: 'e' }), { matrix: 'X' });
    expect(natural.valueNotes).toEqual({ logBase: Math.E, source: 'uns/log1p (base e)' });
    await natural.close();
    const base2 = await openExpressionFile(await writeSpec({ log1pBase: 2 }), { matrix: 'X' });
    expect(base2.valueNotes).toEqual({ logBase: 2, source: 'uns/log1p/base = 2' });
    await base2.close();
    const counts = await openExpressionFile(await writeSpec({ log1pBase: 2, layers: { counts: COUNTS } }));
    expect(counts.matrixLocation).toBe('layers/counts');
    expect(counts.valueNotes).toBeUndefined();
    await counts.close();
    const none = await openExpressionFile(await writeSpec(), { matrix: 'X' });
    expect(none.valueNotes).toBeUndefined();
    await none.close();
  });
});

describe('h5ad reader: compression plugins', () => {
  // Written by test/fixtures/make-compressed-fixtures.py: h5py's own filters and hdf5plugin's, independent writers.
  const compressed = [
    { file: 'anndata07-lzf.h5ad', filter: 32000 },
    { file: 'anndata07-bzip2.h5ad', filter: 307 },
    { file: 'anndata07-blosc.h5ad', filter: 32001 },
    { file: 'anndata07-lz4.h5ad', filter: 32004 },
  ];
  for (const { file: name, filter } of compressed) {
    it(`reads an anndata 0.7 file compressed by h5py with filter ${filter} (${name})`, async () => {
      const fixture = join(import.meta.dirname, '..', 'fixtures', name);
      const file = new h5wasm.File(fixture, 'r');
      try {
        expect((file.get('X/data') as InstanceType<typeof h5wasm.Dataset>).filters.map((f) => f.id)).toEqual([filter]);
      } finally {
        file.close();
      }
      const source = await openExpressionFile(fixture);
      const read = await drain(source, 3);
      await source.close();
      expect(read.dense).toEqual(COUNTS);
      expect(read.cellIds).toEqual(CELL_IDS);
      expect(read.obs['cell_type']).toEqual(CELL_TYPES);
      expect(read.obs['batch']).toEqual(BATCHES);
    });
  }

  it('refuses lzf on variable-length strings with HDF5_FILTER_UNSUPPORTED, and HDF5 keeps working', async () => {
    // The lzf plugin would abort the wasm module on these; the refusal comes before any read.
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'anndata07-lzf-strings.h5ad');
    await expectRefusal(openExpressionFile(fixture), 'HDF5_FILTER_UNSUPPORTED', 'lzf (on variable-length strings)', 'compression="gzip"');
    const source = await openExpressionFile(await writeSpec());
    expect((await drain(source, 3)).dense).toEqual(COUNTS);
    await source.close();
  });
});

describe('h5ad reader: refusals', () => {
  it('FILE_NOT_FOUND for a missing path', async () => {
    await expectRefusal(openExpressionFile(join(directory.path, 'absent.h5ad')), 'FILE_NOT_FOUND', 'absent.h5ad');
  });

  it('FILE_CORRUPT for a file that is not HDF5', async () => {
    const path = nextPath('text');
    writeFileSync(path, 'barcode,gene\nA,1\n');
    await expectRefusal(openExpressionFile(path), 'FILE_CORRUPT', path, 'HDF5');
  });

  it('FILE_TRUNCATED for a cut-off file', async () => {
    const path = await writeSpec();
    const bytes = readFileSync(path);
    const cut = nextPath('truncated');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRefusal(openExpressionFile(cut), 'FILE_TRUNCATED', cut, 'copy the file again');
  });

  it('HDF5_FILTER_UNSUPPORTED names the dataset and the gzip fix', async () => {
    const compressed = await writeSpec({ compress: true });
    const plain = await openExpressionFile(compressed);
    expect((await drain(plain, 3)).dense).toEqual(COUNTS);
    await plain.close();
    withFilterReplaced(compressed);
    await expectRefusal(openExpressionFile(compressed), 'HDF5_FILTER_UNSUPPORTED', compressed, '/X/data', 'SZ', 'compression="gzip"');
  });

  it('DIMENSION_MISMATCH when obs, var or indptr disagree with the matrix', async () => {
    const shortObs = await writeSpec({ obs: { index: CELL_IDS.slice(0, 6) } });
    await expectRefusal(openExpressionFile(shortObs), 'DIMENSION_MISMATCH', 'obs has 6 rows');
    const wrongGenes = await writeSpec({ declaredShape: [7, 4] });
    await expectRefusal(openExpressionFile(wrongGenes), 'DIMENSION_MISMATCH', 'var has 5 rows');
    const wrongCells = await writeSpec({ declaredShape: [6, 5], obs: { index: CELL_IDS.slice(0, 6) } });
    await expectRefusal(openExpressionFile(wrongCells), 'DIMENSION_MISMATCH', 'indptr has 8 entries');
    const shortColumn = await writeSpec({ obs: { index: CELL_IDS, columns: { batch: { kind: 'string', values: BATCHES.slice(0, 5) } } } });
    await expectRefusal(openExpressionFile(shortColumn), 'DIMENSION_MISMATCH', 'obs/batch');
  });

  it('EMPTY_MATRIX for zero cells', async () => {
    const path = await writeSpec({ X: [], obs: { index: [] }, declaredShape: [0, 5] });
    await expectRefusal(openExpressionFile(path), 'EMPTY_MATRIX', '0 cells');
  });

  it('Cell Ranger HDF5 and CSV files go to their own readers', async () => {
    await h5wasm.ready;
    const tenx = nextPath('cellranger').replace(/\.h5ad$/, '.h5');
    const file = new h5wasm.File(tenx, 'w');
    file.create_group('matrix').create_dataset({ name: 'barcodes', data: ['A-1'] });
    file.close();
    await expectRefusal(openExpressionFile(tenx), 'FILE_CORRUPT', 'Cell Ranger matrix /matrix', "'data'");
    const csv = join(directory.path, 'table.csv');
    writeFileSync(csv, 'barcode,ENSG1\nA,1\n');
    const table = await openExpressionFile(csv);
    expect(table.format).toBe('csv');
    await table.close();
  });

  it('INVALID_INPUT for a chunk size that is not a positive integer', async () => {
    const source = await openExpressionFile(await writeSpec());
    expect(() => source.chunks(0)).toThrow(/positive integer/);
    await source.close();
  });
});

describe('normalizeRows', () => {
  it('sorts unsorted rows and sums duplicate genes, leaving sorted rows as they are', () => {
    const sorted = { indptr: Uint32Array.of(0, 2), indices: Uint32Array.of(1, 4), values: Float32Array.of(1, 2) };
    expect(normalizeRows(sorted)).toBe(sorted);
    const messy = normalizeRows({
      indptr: Uint32Array.of(0, 2, 5),
      indices: Uint32Array.of(0, 3, 4, 1, 4),
      values: Float32Array.of(1, 2, 3, 4, 5),
    });
    expect([...messy.indptr]).toEqual([0, 2, 4]);
    expect([...messy.indices]).toEqual([0, 3, 1, 4]);
    expect([...messy.values]).toEqual([1, 2, 4, 8]);
  });
});
