import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import {
  CELL_TYPES,
  DONORS,
  GENES,
  cellTypeCounts,
  generateDemoAtlas,
  iterateDemoAtlasCells,
  summarizeDemoAtlas,
  type DemoAtlas,
} from '../../seed/atlas.ts';
import { CELL_TYPE_LABELS } from '../../seed/labels.ts';
import { encodeNpy } from '../../src/cli/npy.ts';
import { atlasFiles } from '../../seed/write-atlas.ts';

const DEFAULT_ATLAS_SHA256 = 'f29c9a294ba84366fd86ec5638631b552bcd79784f015484fd5b87b441abd3dc';

function hashAtlas(atlas: DemoAtlas): string {
  const hash = createHash('sha256');
  for (const array of [atlas.counts.indptr, atlas.counts.indices, atlas.counts.values]) {
    hash.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }
  hash.update(JSON.stringify(atlas.cells));
  return hash.digest('hex');
}

/** Per cell type, the mean count of every gene: means[typeIndex][geneIndex]. */
function meanCountsByType(atlas: DemoAtlas): Float64Array[] {
  const typeIndex = new Map(atlas.cellTypes.map((spec, t) => [spec.key, t]));
  const sums = atlas.cellTypes.map(() => new Float64Array(atlas.genes.length));
  const sizes = new Float64Array(atlas.cellTypes.length);
  const { indptr, indices, values } = atlas.counts;
  atlas.cells.forEach((cell, i) => {
    const t = typeIndex.get(cell.cellType) as number;
    sizes[t] = (sizes[t] ?? 0) + 1;
    const row = sums[t] as Float64Array;
    for (let k = indptr[i] as number; k < (indptr[i + 1] as number); k += 1) {
      const g = indices[k] as number;
      row[g] = (row[g] ?? 0) + (values[k] as number);
    }
  });
  return sums.map((row, t) => row.map((sum) => sum / (sizes[t] as number)));
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** An independent reader of .npy v1.0 files, written from the format description. */
function parseNpy(file: Buffer): { descr: string; shape: number[]; dataOffset: number; data: Buffer } {
  expect([...file.subarray(0, 6)]).toEqual([0x93, ...Buffer.from('NUMPY', 'latin1')]);
  expect([file[6], file[7]]).toEqual([1, 0]);
  const headerLength = file.readUInt16LE(8);
  const header = file.subarray(10, 10 + headerLength).toString('latin1');
  expect(header.endsWith('\n')).toBe(true);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  expect(descr).toBeDefined();
  expect(fortran).toBe('False');
  expect(shapeText).toBeDefined();
  const shape = (shapeText as string)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  const dataOffset = 10 + headerLength;
  return { descr: descr as string, shape, dataOffset, data: file.subarray(dataOffset) };
}

describe('demo atlas', () => {
  let atlas: DemoAtlas;
  beforeAll(() => {
    atlas = generateDemoAtlas();
  });

  it('is deterministic: the same seed gives byte-identical counts and metadata', () => {
    expect(hashAtlas(generateDemoAtlas())).toBe(hashAtlas(atlas));
  });

  // The demo model (seed/bundle) is trained on exactly this atlas. If a deliberate change to the
  // generator, genes or cell types moves this hash, regenerate the atlas files, retrain the demo
  // model (tools/model) and update the hash in the same commit.
  it('matches the pinned hash of the default atlas', () => {
    expect(hashAtlas(atlas)).toBe(DEFAULT_ATLAS_SHA256);
  });

  it('changes with the seed', () => {
    expect(hashAtlas(generateDemoAtlas({ seed: 1, cells: 300 }))).not.toBe(
      hashAtlas(generateDemoAtlas({ seed: 2, cells: 300 })),
    );
  });

  it('streams the same rows as it returns in memory', () => {
    const small = generateDemoAtlas({ cells: 250 });
    let i = 0;
    for (const row of iterateDemoAtlasCells({ cells: 250 })) {
      const start = small.counts.indptr[i] as number;
      const end = small.counts.indptr[i + 1] as number;
      expect(row.cell).toEqual(small.cells[i]);
      expect([...row.indices]).toEqual([...small.counts.indices.subarray(start, end)]);
      expect([...row.values]).toEqual([...small.counts.values.subarray(start, end)]);
      i += 1;
    }
    expect(i).toBe(250);
  });

  it('has at least 10 cell types and 5,000 cells, in the declared proportions', () => {
    expect(atlas.cellTypes.length).toBeGreaterThanOrEqual(10);
    expect(atlas.cells.length).toBeGreaterThanOrEqual(5000);
    const expected = cellTypeCounts(atlas.cells.length);
    const summary = summarizeDemoAtlas(atlas);
    for (const spec of atlas.cellTypes) {
      const counts = summary.cellsPerType[spec.key];
      expect(counts).toBeDefined();
      const total = (counts?.train ?? 0) + (counts?.test ?? 0);
      expect(total).toBe(expected.get(spec.key));
      expect(Math.abs(total - spec.proportion * atlas.cells.length)).toBeLessThanOrEqual(1);
      expect(total).toBeGreaterThanOrEqual(50);
    }
  });

  it('splits every type about 80/20 (stratified)', () => {
    const summary = summarizeDemoAtlas(atlas);
    for (const spec of atlas.cellTypes) {
      const { train, test } = summary.cellsPerType[spec.key] ?? { train: 0, test: 0 };
      expect(test).toBe(Math.round((train + test) * 0.2));
    }
  });

  it('labels every cell with its type, ontology id, donor and matching batch', () => {
    const specByKey = new Map(CELL_TYPES.map((spec) => [spec.key, spec]));
    const batchOfDonor = new Map(DONORS.map((donor) => [donor.id, donor.batch]));
    const ids = new Set<string>();
    const donorsSeen = new Set<string>();
    for (const cell of atlas.cells) {
      ids.add(cell.id);
      donorsSeen.add(cell.donor);
      expect(cell.label).toBe(specByKey.get(cell.cellType)?.name);
      expect(cell.ontologyId).toBe(specByKey.get(cell.cellType)?.ontologyId);
      expect(cell.batch).toBe(batchOfDonor.get(cell.donor));
    }
    expect(ids.size).toBe(atlas.cells.length);
    expect(donorsSeen.size).toBe(4);
  });

  it('stores well-formed CSR counts whose row sums and sizes match n_counts and n_genes', () => {
    const { indptr, indices, values, rows, columns } = atlas.counts;
    expect(rows).toBe(atlas.cells.length);
    expect(columns).toBe(GENES.length);
    expect(indptr.length).toBe(rows + 1);
    expect(indptr[0]).toBe(0);
    expect(indptr[rows]).toBe(values.length);
    expect(indices.length).toBe(values.length);
    atlas.cells.forEach((cell, i) => {
      const start = indptr[i] as number;
      const end = indptr[i + 1] as number;
      let sum = 0;
      for (let k = start; k < end; k += 1) {
        const value = values[k] as number;
        if (!(Number.isInteger(value) && value > 0)) throw new Error(`cell ${i}: value ${value} is not a positive count`);
        if (k > start && (indices[k] as number) <= (indices[k - 1] as number)) throw new Error(`cell ${i}: columns not ascending`);
        sum += value;
      }
      if ((indices[end - 1] ?? 0) >= columns) throw new Error(`cell ${i}: column out of range`);
      expect(sum).toBe(cell.nCounts);
      expect(end - start).toBe(cell.nGenes);
    });
  });

  it('expresses every type’s markers far more in that type than elsewhere', () => {
    const means = meanCountsByType(atlas);
    const geneIndex = new Map(GENES.map((gene, g) => [gene.symbol, g]));
    const typeSizes = atlas.cellTypes.map((spec) => atlas.cells.filter((cell) => cell.cellType === spec.key).length);
    atlas.cellTypes.forEach((spec, t) => {
      expect(spec.markers.length).toBeGreaterThanOrEqual(3);
      for (const marker of spec.markers) {
        const g = geneIndex.get(marker);
        expect(g, `${marker} in genes`).toBeDefined();
        const own = (means[t] as Float64Array)[g as number] as number;
        let otherSum = 0;
        let otherCells = 0;
        atlas.cellTypes.forEach((_other, u) => {
          if (u === t) return;
          const mean = (means[u] as Float64Array)[g as number] as number;
          otherSum += mean * (typeSizes[u] as number);
          otherCells += typeSizes[u] as number;
          // Higher than in any single other type, including the look-alikes of the same lineage.
          expect(own, `${marker}: ${spec.key} vs ${atlas.cellTypes[u]?.key}`).toBeGreaterThan(1.3 * mean);
        });
        expect(own, `${marker} in ${spec.key}`).toBeGreaterThan(1);
        expect(own, `${marker}: ${spec.key} vs all other cells`).toBeGreaterThan(5 * (otherSum / otherCells));
      }
    });
  });

  it('has realistic library sizes (median 3,000–5,000 UMIs, range 1,000–15,000)', () => {
    const { librarySize } = summarizeDemoAtlas(atlas);
    expect(librarySize.median).toBeGreaterThanOrEqual(3000);
    expect(librarySize.median).toBeLessThanOrEqual(5000);
    expect(librarySize.min).toBeGreaterThanOrEqual(1000);
    expect(librarySize.max).toBeLessThanOrEqual(15000);
    // A spread, not a constant: log-normal library sizes.
    const sizes = atlas.cells.map((cell) => cell.nCounts);
    expect(quantile(sizes, 0.95) / quantile(sizes, 0.05)).toBeGreaterThan(2.5);
  });

  it('has a few hundred expressed genes per cell, and many zeros', () => {
    const genesPerCell = atlas.cells.map((cell) => cell.nGenes);
    expect(quantile(genesPerCell, 0.5)).toBeGreaterThanOrEqual(350);
    expect(quantile(genesPerCell, 0.02)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...genesPerCell)).toBeLessThanOrEqual(0.9 * GENES.length);
    const density = atlas.counts.values.length / (atlas.cells.length * GENES.length);
    expect(density).toBeGreaterThan(0.4);
    expect(density).toBeLessThan(0.75);
  });
});

describe('demo genes', () => {
  it('uses real-looking Ensembl gene ids and unique symbols, 500–900 genes', () => {
    expect(GENES.length).toBeGreaterThanOrEqual(500);
    expect(GENES.length).toBeLessThanOrEqual(900);
    for (const gene of GENES) expect(gene.ensemblId).toMatch(/^ENSG\d{11}$/);
    expect(new Set(GENES.map((gene) => gene.ensemblId)).size).toBe(GENES.length);
    expect(new Set(GENES.map((gene) => gene.symbol)).size).toBe(GENES.length);
  });

  it('pins a few well-known symbol → id facts', () => {
    const idOf = new Map(GENES.map((gene) => [gene.symbol, gene.ensemblId]));
    expect(idOf.get('MS4A1')).toBe('ENSG00000156738');
    expect(idOf.get('CD3E')).toBe('ENSG00000198851');
    expect(idOf.get('CD14')).toBe('ENSG00000170458');
    expect(idOf.get('ACTB')).toBe('ENSG00000075624');
  });
});

describe('demo labels', () => {
  it('gives one label per cell type, in atlas order, with valid unique CL ids', () => {
    expect(CELL_TYPE_LABELS.map((label) => label.key)).toEqual(CELL_TYPES.map((spec) => spec.key));
    for (const label of CELL_TYPE_LABELS) {
      expect(label.ontologyId).toMatch(/^CL:\d{7}$/);
      for (const parent of label.parents) expect(parent.id).toMatch(/^CL:\d{7}$/);
      expect(label.synonyms.length).toBeGreaterThan(0);
    }
    expect(new Set(CELL_TYPE_LABELS.map((label) => label.ontologyId)).size).toBe(CELL_TYPE_LABELS.length);
    const ids = new Map(CELL_TYPE_LABELS.map((label) => [label.key, label.ontologyId]));
    expect(ids.get('b_cell')).toBe('CL:0000236');
    expect(ids.get('cd14_mono')).toBe('CL:0001054');
  });

  it('builds prompts in LangCell’s exact form', () => {
    for (const label of CELL_TYPE_LABELS) {
      expect(label.prompt).toBe('cell type: ' + label.name + '. ' + label.definition + '; ');
    }
    const bCell = CELL_TYPE_LABELS.find((label) => label.key === 'b_cell');
    expect(bCell?.prompt.startsWith('cell type: B cell. A lymphocyte of the B lineage')).toBe(true);
    expect(bCell?.prompt.endsWith('.; ')).toBe(true);
  });

  it('has 8–15 distinct phrasings per type, some held out, some naming markers', () => {
    const allTexts: string[] = [];
    const symbols = new Set(GENES.map((gene) => gene.symbol));
    for (const label of CELL_TYPE_LABELS) {
      const texts = label.phrasings.map((phrasing) => phrasing.text);
      allTexts.push(...texts);
      expect(texts.length).toBeGreaterThanOrEqual(8);
      expect(texts.length).toBeLessThanOrEqual(15);
      const heldOut = label.phrasings.filter((phrasing) => phrasing.heldOut);
      expect(heldOut.length).toBeGreaterThanOrEqual(2);
      expect(heldOut.length).toBeLessThanOrEqual(label.phrasings.length / 3);
      const namesGene = (text: string): boolean => text.split(/[^A-Za-z0-9-]+/).some((word) => symbols.has(word));
      expect(label.phrasings.filter((phrasing) => !phrasing.heldOut && namesGene(phrasing.text)).length).toBeGreaterThanOrEqual(2);
      for (const marker of label.markers) expect(symbols.has(marker)).toBe(true);
    }
    // A phrasing shared by two types would teach the model contradictory pairs.
    expect(new Set(allTexts.map((text) => text.toLowerCase())).size).toBe(allTexts.length);
  });
});

describe('.npy writer', () => {
  it.each([
    ['float32', Float32Array.from([0, 1.5, -2, 3e7]), '<f4'],
    ['int32', Int32Array.from([0, -1, 2 ** 31 - 1]), '<i4'],
    ['uint32', Uint32Array.from([0, 2 ** 32 - 1]), '<u4'],
    ['int64', BigInt64Array.from([0n, 1n, 2n ** 40n]), '<i8'],
    ['empty float32', new Float32Array(0), '<f4'],
  ] as const)('round-trips a %s array', (_name, array, descr) => {
    const file = encodeNpy(array);
    const parsed = parseNpy(file);
    expect(parsed.descr).toBe(descr);
    expect(parsed.shape).toEqual([array.length]);
    expect(parsed.dataOffset % 64).toBe(0);
    expect(parsed.data.equals(Buffer.from(array.buffer, array.byteOffset, array.byteLength))).toBe(true);
  });

  it('pads the header to 64 bytes for every length of the shape text', () => {
    for (const length of [1, 9, 10, 99, 100, 12345, 1234567]) {
      const parsed = parseNpy(encodeNpy(new Uint8Array(length)));
      expect(parsed.dataOffset % 64).toBe(0);
      expect(parsed.shape).toEqual([length]);
      expect(parsed.descr).toBe('|u1');
    }
  });
});

describe('atlas files for the training script', () => {
  const small = generateDemoAtlas({ cells: 400 });
  const files = atlasFiles(small);

  it('writes genes, cells, CSR arrays, labels and a manifest that agree', () => {
    const genes = (files.get('genes.tsv') as Buffer).toString('utf8').trimEnd().split('\n');
    expect(genes[0]).toBe('ensembl_id\tsymbol');
    expect(genes.length - 1).toBe(GENES.length);
    expect(genes[1]).toBe(`${GENES[0]?.ensemblId}\t${GENES[0]?.symbol}`);

    const cells = (files.get('cells.tsv') as Buffer).toString('utf8').trimEnd().split('\n');
    expect(cells[0]?.split('\t').slice(0, 6)).toEqual(['cell_id', 'label', 'split', 'donor', 'batch', 'n_counts']);
    expect(cells.length - 1).toBe(400);
    const firstCell = small.cells[0];
    expect(cells[1]?.split('\t').slice(0, 6)).toEqual([
      firstCell?.id, firstCell?.label, firstCell?.split, firstCell?.donor, firstCell?.batch, String(firstCell?.nCounts),
    ]);

    const indptr = parseNpy(files.get('counts_indptr.npy') as Buffer);
    const indices = parseNpy(files.get('counts_indices.npy') as Buffer);
    const data = parseNpy(files.get('counts_data.npy') as Buffer);
    expect(indptr.descr).toBe('<i8');
    expect(indptr.shape).toEqual([401]);
    expect(indptr.data.readBigInt64LE(400 * 8)).toBe(BigInt(small.counts.values.length));
    expect(indices.descr).toBe('<i4');
    expect(data.descr).toBe('<f4');
    expect(indices.shape).toEqual([small.counts.values.length]);
    expect(data.data.equals(Buffer.from(small.counts.values.buffer))).toBe(true);

    const labels = JSON.parse((files.get('labels.json') as Buffer).toString('utf8')) as {
      name: string; ontology_id: string; prompt: string; phrasings: { text: string; heldOut: boolean }[];
    }[];
    expect(labels.map((label) => label.name)).toEqual(CELL_TYPES.map((spec) => spec.name));
    expect(labels[0]?.prompt).toBe(CELL_TYPE_LABELS[0]?.prompt);

    const manifest = JSON.parse((files.get('atlas.json') as Buffer).toString('utf8')) as {
      shape: number[]; sha256: Record<string, string>;
    };
    expect(manifest.shape).toEqual([400, GENES.length]);
    for (const [name, digest] of Object.entries(manifest.sha256)) {
      expect(createHash('sha256').update(files.get(name) as Buffer).digest('hex')).toBe(digest);
    }
  });

  // Extra evidence where numpy exists; the pure-TypeScript parser above is the portable check.
  const hasNumpy =
    existsSync('/usr/bin/python3') &&
    (() => {
      try {
        execFileSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
  it.runIf(hasNumpy)('loads with numpy.load into the same CSR matrix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-atlas-'));
    try {
      for (const [name, contents] of files) writeFileSync(join(dir, name), contents);
      const script = [
        'import numpy as np, sys',
        'd = sys.argv[1]',
        "p = np.load(d + '/counts_indptr.npy'); i = np.load(d + '/counts_indices.npy'); v = np.load(d + '/counts_data.npy')",
        'print(p.dtype, i.dtype, v.dtype, len(p), int(p[-1]), int(i.max()), float(v.sum()))',
      ].join('\n');
      const output = execFileSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' }).trim();
      const total = small.cells.reduce((sum, cell) => sum + cell.nCounts, 0);
      const maxColumn = small.counts.indices.reduce((max, column) => Math.max(max, column), 0);
      expect(output).toBe(`int64 int32 float32 401 ${small.counts.values.length} ${maxColumn} ${total.toFixed(1)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
