import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../seed/random.ts';
import { AtlasError } from '../../src/errors.ts';
import {
  CellVectorIndex,
  INDEX_FILE,
  SIDECAR_FILE,
  exactSearch,
  recallAtK,
  strictRecallAtK,
  type CellNeighbor,
  type IndexLoadProblem,
  type LoadedCellIndex,
} from '../../src/index/index.ts';

/** Unit vectors in `clusters` groups around random centres (cosine to the centre ≈ 0.9). */
function clusteredVectors(n: number, dim: number, clusters: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => rng.normal()));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i += 1) {
    const centre = centres[rng.below(clusters)]!;
    const norm = Math.hypot(...centre);
    let length = 0;
    for (let d = 0; d < dim; d += 1) {
      const value = centre[d]! / norm + (0.5 / Math.sqrt(dim)) * rng.normal();
      out[i * dim + d] = value;
      length += value * value;
    }
    for (let d = 0; d < dim; d += 1) out[i * dim + d]! /= Math.sqrt(length);
  }
  return out;
}

const row = (vectors: Float32Array, i: number, dim: number) => vectors.subarray(i * dim, (i + 1) * dim);
const idsOf = (hits: readonly CellNeighbor[]) => hits.map((hit) => hit.cellId);

function expectSortedBestFirst(hits: readonly CellNeighbor[]): void {
  for (let i = 1; i < hits.length; i += 1) expect(hits[i]!.similarity).toBeLessThanOrEqual(hits[i - 1]!.similarity);
}

function loaded(result: LoadedCellIndex | IndexLoadProblem): LoadedCellIndex {
  if ('problem' in result) throw new Error(`expected a loaded index, got: ${result.problem}`);
  return result;
}

function problemOf(result: LoadedCellIndex | IndexLoadProblem): IndexLoadProblem {
  if (!('problem' in result)) throw new Error('expected a problem, the index loaded');
  return result;
}

describe('exact search (the ground truth)', () => {
  it('returns the k highest inner products, best first, filter applied', () => {
    const dim = 5;
    const vectors = clusteredVectors(200, dim, 3, 9);
    const ids = Uint32Array.from({ length: 200 }, (_, i) => 3 * i + 1);
    const query = row(vectors, 17, dim);
    const naive = Array.from(ids, (cellId, i) => ({ cellId, similarity: row(vectors, i, dim).reduce((sum, v, d) => sum + v * query[d]!, 0) }))
      .filter((hit) => hit.cellId % 2 === 1)
      .sort((a, b) => b.similarity - a.similarity);
    const hits = exactSearch({ dim, ids, vectors }, query, 7, (id) => id % 2 === 1);
    expect(idsOf(hits)).toEqual(idsOf(naive.slice(0, 7)));
    hits.forEach((hit, i) => expect(hit.similarity).toBeCloseTo(naive[i]!.similarity, 12));
    expect(exactSearch({ dim, ids, vectors }, query, 1000)).toHaveLength(200);
  });

  it('breaks ties by the smaller cell id, whatever the order of the rows', () => {
    const dim = 2;
    const vectors = Float32Array.from([1, 0, 1, 0, 0, 1, 1, 0]);
    const hits = exactSearch({ dim, ids: [9, 4, 1, 6], vectors }, [1, 0], 2);
    expect(idsOf(hits)).toEqual([4, 6]);
  });

  it('counts a tie at the k-th place as a hit in recallAtK, not in strict recall', () => {
    const truth = [
      { cellId: 1, similarity: 0.9 },
      { cellId: 2, similarity: 0.8 },
    ];
    const tied = [
      { cellId: 1, similarity: 0.9 },
      { cellId: 3, similarity: 0.8 - 1e-7 },
    ];
    expect(recallAtK(tied, truth, 2)).toBe(1);
    expect(strictRecallAtK(tied, truth, 2)).toBe(0.5);
    expect(recallAtK([{ cellId: 3, similarity: 0.7 }], truth, 2)).toBe(0);
  });
});

describe('CellVectorIndex: add, search, remove', () => {
  const dim = 16;
  const n = 600;
  const vectors = clusteredVectors(n, dim, 12, 1);
  // Sparse, non-contiguous ids, as a database hands them out after deletions.
  const ids = Uint32Array.from({ length: n }, (_, i) => 1000 + 7 * i);
  const matrix = { dim, ids, vectors };

  it('finds every cell as its own best hit and agrees with exact search', () => {
    const index = CellVectorIndex.create({ dim, params: { M: 16, efConstruction: 100, efSearch: 64 }, initialCapacity: n });
    index.add(ids, vectors);
    expect(index.size).toBe(n);
    expect(index.ids()).toEqual(Array.from(ids));
    let recall = 0;
    for (let i = 0; i < n; i += 5) {
      const hits = index.search(row(vectors, i, dim), 10);
      expect(hits).toHaveLength(10);
      expect(hits[0]!.cellId).toBe(ids[i]);
      expect(hits[0]!.similarity).toBeCloseTo(1, 5);
      expectSortedBestFirst(hits);
      recall += recallAtK(hits, exactSearch(matrix, row(vectors, i, dim), 10), 10);
    }
    expect(recall / (n / 5)).toBeGreaterThanOrEqual(0.99);
  });

  it('removes cells from results at once; unknown and repeated ids are ignored; re-adding restores', () => {
    const index = CellVectorIndex.create({ dim, initialCapacity: n });
    index.add(ids, vectors);
    const gone = [ids[0]!, ids[1]!, ids[2]!];
    expect(index.remove([...gone, 999_999, 5])).toBe(3);
    expect(index.remove(gone)).toBe(0);
    expect(index.size).toBe(n - 3);
    expect(index.removedCount).toBe(3);
    for (const id of gone) expect(index.has(id)).toBe(false);
    expect(index.ids()).not.toContain(ids[0]);
    for (let i = 0; i < 3; i += 1) {
      const hits = index.search(row(vectors, i, dim), 50);
      expect(idsOf(hits).filter((id) => gone.includes(id))).toEqual([]);
      const alive = new Set(index.ids());
      expect(idsOf(hits)).toEqual(idsOf(exactSearch(matrix, row(vectors, i, dim), 50, (id) => alive.has(id))).slice(0, hits.length));
    }
    index.add([ids[0]!], row(vectors, 0, dim));
    expect(index.has(ids[0]!)).toBe(true);
    expect(index.removedCount).toBe(2);
    expect(index.search(row(vectors, 0, dim), 1)[0]!.cellId).toBe(ids[0]);
  });

  it('replaces the vector of a cell added again', () => {
    const index = CellVectorIndex.create({ dim, initialCapacity: 16 });
    index.add(ids.subarray(0, 100), vectors.subarray(0, 100 * dim));
    const moved = row(vectors, 500, dim);
    index.add([ids[0]!], moved);
    expect(index.size).toBe(100);
    expect(index.search(moved, 1)[0]).toMatchObject({ cellId: ids[0] });
    expect(Array.from(index.vector(ids[0]!)!)).toEqual(Array.from(moved));
  });

  it('grows past its initial capacity, geometrically', () => {
    const index = CellVectorIndex.create({ dim, initialCapacity: 10 });
    const capacities = new Set<number>();
    for (let start = 0; start < n; start += 37) {
      const end = Math.min(n, start + 37);
      index.add(ids.subarray(start, end), vectors.subarray(start * dim, end * dim));
      capacities.add(index.capacity);
    }
    expect(index.size).toBe(n);
    expect(index.capacity).toBeGreaterThanOrEqual(n);
    expect(index.capacity).toBeLessThan(2 * n);
    expect(capacities.size).toBeLessThan(15); // ×1.5 per resize, not one resize per batch
    for (let i = 0; i < n; i += 50) expect(index.search(row(vectors, i, dim), 1)[0]!.cellId).toBe(ids[i]);
  });

  it('answers an empty index and k beyond the live count', () => {
    const index = CellVectorIndex.create({ dim });
    expect(index.search(row(vectors, 0, dim), 10)).toEqual([]);
    index.add(ids.subarray(0, 3), vectors.subarray(0, 3 * dim));
    expect(index.search(row(vectors, 0, dim), 10)).toHaveLength(3);
    expect(index.search(row(vectors, 0, dim), 0)).toEqual([]);
  });

  it('refuses bad ids, wrong lengths and non-finite values before inserting anything', () => {
    const index = CellVectorIndex.create({ dim });
    const one = row(vectors, 0, dim);
    for (const bad of [0, -1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => index.add([bad], one)).toThrow(AtlasError);
    }
    expect(() => index.add([1, 2], one)).toThrow(/need 32 values/);
    const poisoned = Float32Array.from(vectors.subarray(0, 2 * dim));
    poisoned[dim + 3] = Number.NaN;
    expect(() => index.add([1, 2], poisoned)).toThrow(/non-finite/);
    expect(index.size).toBe(0);
    expect(() => index.search(new Float32Array(dim + 1), 3)).toThrow(/dimensions/);
    expect(() => CellVectorIndex.create({ dim, params: { M: 1, efConstruction: 10, efSearch: 10 } })).toThrow(/M must be/);
  });
});

describe('CellVectorIndex: filtered search', () => {
  const dim = 32;
  const n = 5000;
  const vectors = clusteredVectors(n, dim, 40, 2);
  const ids = Uint32Array.from({ length: n }, (_, i) => i + 1);
  const matrix = { dim, ids, vectors };
  let index: CellVectorIndex;

  beforeAll(() => {
    index = CellVectorIndex.create({ dim, initialCapacity: n });
    index.add(ids, vectors);
  });

  it('returns k hits from a filter that passes 1% of the cells, as exact filtered search does', () => {
    const selected = (id: number) => id % 100 === 37;
    let recall = 0;
    const queries = 40;
    for (let q = 0; q < queries; q += 1) {
      const query = row(vectors, q * 97, dim);
      const hits = index.search(query, 10, selected);
      expect(hits).toHaveLength(10);
      expect(hits.every((hit) => selected(hit.cellId))).toBe(true);
      expectSortedBestFirst(hits);
      recall += recallAtK(hits, exactSearch(matrix, query, 10, selected), 10);
    }
    expect(recall / queries).toBeGreaterThanOrEqual(0.99);
  });

  it('runs the filter inside the graph walk (it sees far fewer cells than the index holds)', () => {
    let calls = 0;
    const hits = index.search(row(vectors, 0, dim), 10, (id) => {
      calls += 1;
      return id % 2 === 0;
    });
    expect(hits).toHaveLength(10);
    expect(calls).toBeGreaterThan(10);
    expect(calls).toBeLessThan(n / 2);
  });

  it('returns every match, best first, when fewer than k cells pass', () => {
    const few = new Set([17, 2500, 4999]);
    const query = row(vectors, 10, dim);
    const hits = index.search(query, 10, (id) => few.has(id));
    expect(idsOf(hits)).toEqual(idsOf(exactSearch(matrix, query, 10, (id) => few.has(id))));
  });

  it('skips removed cells under a filter too', () => {
    const local = CellVectorIndex.create({ dim, initialCapacity: 500 });
    local.add(ids.subarray(0, 500), vectors.subarray(0, 500 * dim));
    local.remove(ids.subarray(0, 250));
    const hits = local.search(row(vectors, 0, dim), 20, (id) => id % 3 === 0);
    expect(hits).toHaveLength(20);
    expect(hits.every((hit) => hit.cellId > 250 && hit.cellId % 3 === 0)).toBe(true);
  });

  it('completes an answer the graph walk cannot, with an exact scan of the matching cells', () => {
    // A vector of tiny norm has inner product ≈ 0 with every cell, so no cell keeps it as a
    // neighbour once its list is full: it becomes unreachable from the entry point. With a
    // filter that passes only such cells, hnswlib's walk visits every reachable cell and comes
    // back short; the index must still return k hits, the exact ones.
    const small = 2000;
    const rng = new Rng(7);
    const data = new Float32Array(small * 8);
    const hidden = new Set<number>();
    for (let i = 0; i < small; i += 1) {
      let length = 0;
      for (let d = 0; d < 8; d += 1) {
        data[i * 8 + d] = rng.normal();
        length += data[i * 8 + d]! ** 2;
      }
      const scale = (i % 200 === 0 ? 0.001 : 1) / Math.sqrt(length);
      if (i % 200 === 0) hidden.add(i + 1);
      for (let d = 0; d < 8; d += 1) data[i * 8 + d]! *= scale;
    }
    const smallIds = Uint32Array.from({ length: small }, (_, i) => i + 1);
    const graph = CellVectorIndex.create({ dim: 8, params: { M: 4, efConstruction: 32, efSearch: 16 }, initialCapacity: small });
    graph.add(smallIds, data);
    for (let q = 0; q < 5; q += 1) {
      const query = Float32Array.from({ length: 8 }, () => rng.normal());
      let calls = 0;
      const hits = graph.search(query, 10, (id) => {
        calls += 1;
        return hidden.has(id);
      });
      // More calls than cells: the walk came back short and the matches were counted and scanned.
      expect(calls).toBeGreaterThan(small);
      expect(idsOf(hits)).toEqual(idsOf(exactSearch({ dim: 8, ids: smallIds, vectors: data }, query, 10, (id) => hidden.has(id))));
    }
  });

  it('rethrows a throwing filter instead of aborting the process', () => {
    expect(() =>
      index.search(row(vectors, 0, dim), 10, () => {
        throw new Error('filter failed');
      }),
    ).toThrow('filter failed');
    expect(index.search(row(vectors, 0, dim), 10)).toHaveLength(10);
  });

  it('searches among given cells exactly', () => {
    const among = [5, 50, 500, 4000, 123_456];
    const query = row(vectors, 3, dim);
    const set = new Set(among);
    const hits = index.searchAmong(query, 3, among);
    const exact = exactSearch(matrix, query, 3, (id) => set.has(id));
    expect(idsOf(hits)).toEqual(idsOf(exact));
    hits.forEach((hit, i) => expect(hit.similarity).toBeCloseTo(exact[i]!.similarity, 6));
  });
});

describe('CellVectorIndex: save and load', () => {
  const dim = 24;
  const n = 1500;
  const vectors = clusteredVectors(n, dim, 20, 3);
  const ids = Uint32Array.from({ length: n }, (_, i) => 10 + 2 * i);
  const expectation = { modelId: 'demo-model@abc', dim };
  const params = { M: 12, efConstruction: 80, efSearch: 40 };
  let root: string;
  let saved: CellVectorIndex;
  let savedDir: string;

  const freshDir = async (name: string) => {
    const dir = join(root, name);
    await copyDir(savedDir, dir);
    return dir;
  };

  async function copyDir(from: string, to: string): Promise<void> {
    await mkdir(to, { recursive: true });
    for (const entry of await readdir(from)) await copyFile(join(from, entry), join(to, entry));
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cell-index-'));
    saved = CellVectorIndex.create({ dim, params, initialCapacity: 100 });
    saved.add(ids, vectors);
    saved.remove(ids.subarray(0, 40));
    savedDir = join(root, 'saved');
    await saved.save(savedDir, { modelId: expectation.modelId, extra: { chunks: ['1:0:1000', '1:1000:1500'] } });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('round-trips: same cells, same removed cells, same answers, a sidecar that describes the file', async () => {
    const { index, sidecar } = loaded(await CellVectorIndex.load(savedDir, expectation));
    expect(index.size).toBe(n - 40);
    expect(index.ids()).toEqual(saved.ids());
    expect(index.has(ids[0]!)).toBe(false);
    expect(index.removedCount).toBe(40);
    expect(index.params).toEqual(params);
    for (let q = 0; q < n; q += 30) {
      const query = row(vectors, q, dim);
      expect(index.search(query, 10)).toEqual(saved.search(query, 10));
      expect(index.search(query, 10, (id) => id % 10 === 0)).toEqual(saved.search(query, 10, (id) => id % 10 === 0));
    }
    const bytes = await readFile(join(savedDir, INDEX_FILE));
    expect(sidecar).toMatchObject({
      format: 'langcell-hnsw/1',
      modelId: expectation.modelId,
      dim,
      space: 'ip',
      params,
      elementCount: n - 40,
      deletedCount: 40,
      maxCellId: ids[n - 1],
      cellIdSum: String(Array.from(ids.subarray(40)).reduce((a, b) => a + b, 0)),
      indexBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      extra: { chunks: ['1:0:1000', '1:1000:1500'] },
    });
    expect(Date.parse(sidecar.savedAt)).not.toBeNaN();
    // No temporary files are left behind.
    expect((await readdir(savedDir)).sort()).toEqual([INDEX_FILE, SIDECAR_FILE]);
  });

  it('takes a new search ef at load time; the graph parameters stay those it was built with', async () => {
    const { index } = loaded(await CellVectorIndex.load(savedDir, { ...expectation, efSearch: 200 }));
    expect(index.params).toEqual({ ...params, efSearch: 200 });
  });

  it('keeps working after loading: grows, removes, saves again', async () => {
    const dir = await freshDir('grow');
    const { index } = loaded(await CellVectorIndex.load(dir, expectation));
    const more = clusteredVectors(300, dim, 5, 4);
    const moreIds = Uint32Array.from({ length: 300 }, (_, i) => 100_000 + i);
    index.add(moreIds, more);
    index.remove([moreIds[0]!]);
    expect(index.search(row(more, 5, dim), 1)[0]!.cellId).toBe(moreIds[5]);
    await index.save(dir, { modelId: expectation.modelId });
    const again = loaded(await CellVectorIndex.load(dir, expectation));
    expect(again.index.size).toBe(n - 40 + 299);
    expect(again.sidecar.extra).toBeNull();
    expect(again.index.search(row(more, 5, dim), 3)).toEqual(index.search(row(more, 5, dim), 3));
  });

  it('reports a missing index, a missing file of the pair, and an unreadable sidecar', async () => {
    expect(problemOf(await CellVectorIndex.load(join(root, 'nothing-here'), expectation)).kind).toBe('missing');
    const noIndex = await freshDir('no-index');
    await rm(join(noIndex, INDEX_FILE));
    expect(problemOf(await CellVectorIndex.load(noIndex, expectation))).toMatchObject({ kind: 'missing', problem: expect.stringMatching(/cells\.hnsw is missing/) as string });
    const noSidecar = await freshDir('no-sidecar');
    await rm(join(noSidecar, SIDECAR_FILE));
    expect(problemOf(await CellVectorIndex.load(noSidecar, expectation)).kind).toBe('missing');
    const garbled = await freshDir('garbled-sidecar');
    const text = await readFile(join(garbled, SIDECAR_FILE), 'utf8');
    await writeFile(join(garbled, SIDECAR_FILE), text.slice(0, text.length / 2));
    expect(problemOf(await CellVectorIndex.load(garbled, expectation))).toMatchObject({ kind: 'unreadable', problem: expect.stringMatching(/not valid JSON/) as string });
    const tampered = await freshDir('tampered-sidecar');
    await writeFile(join(tampered, SIDECAR_FILE), text.replace(/"elementCount": \d+/, '"elementCount": "many"'));
    expect(problemOf(await CellVectorIndex.load(tampered, expectation))).toMatchObject({ kind: 'unreadable', problem: expect.stringMatching(/elementCount/) as string });
  });

  it('refuses an index of another model or dimension', async () => {
    expect(problemOf(await CellVectorIndex.load(savedDir, { ...expectation, modelId: 'other-model' }))).toMatchObject({
      kind: 'other-model',
      problem: expect.stringMatching(/model demo-model@abc, not other-model/) as string,
    });
    expect(problemOf(await CellVectorIndex.load(savedDir, { ...expectation, dim: 256 }))).toMatchObject({ kind: 'other-dim' });
  });

  it('reports flipped bytes and a truncated file as problems (and the process lives on)', async () => {
    const flipped = await freshDir('flipped');
    const bytes = await readFile(join(flipped, INDEX_FILE));
    for (const at of [200, 5000, bytes.length - 3]) bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(join(flipped, INDEX_FILE), bytes);
    expect(problemOf(await CellVectorIndex.load(flipped, expectation)).kind).toMatch(/corrupt|checksum-mismatch/);

    const cut = await freshDir('truncated');
    await truncate(join(cut, INDEX_FILE), bytes.length - 1000);
    expect(problemOf(await CellVectorIndex.load(cut, expectation))).toMatchObject({ kind: 'corrupt', problem: expect.stringMatching(/ends early/) as string });

    const empty = await freshDir('empty');
    await writeFile(join(empty, INDEX_FILE), '');
    expect(problemOf(await CellVectorIndex.load(empty, expectation)).kind).toBe('corrupt');
  });

  // Files that pass the checksum (the sidecar is rewritten to match) but that hnswlib must never
  // see: the first would abort the process in malloc, the second would segfault the first search.
  // Level-0 record of element 0 at byte 96: u16 link count, 2 flag bytes, 2·M link ids, vector.
  const firstVector = 96 + 4 + 2 * params.M * 4;
  it.each([
    ['capacity', 'a capacity of 2^62 in the header', (bytes: Buffer) => bytes.writeBigUInt64LE(2n ** 62n, 8), /maxElements/],
    ['neighbour', 'a neighbour id out of range', (bytes: Buffer) => bytes.writeUInt32LE(1_000_000, 96 + 4), /links to element 1000000/],
    ['nan', 'a NaN in a vector', (bytes: Buffer) => bytes.writeFloatLE(Number.NaN, firstVector + 8), /non-finite/],
  ])('checks the structure of a file whose checksum matches: %s (%s)', async (slug, _name, damage, message) => {
    const dir = await freshDir(`structure-${slug}`);
    const bytes = await readFile(join(dir, INDEX_FILE));
    damage(bytes);
    await writeFile(join(dir, INDEX_FILE), bytes);
    const sidecar = JSON.parse(await readFile(join(dir, SIDECAR_FILE), 'utf8')) as { sha256: string };
    sidecar.sha256 = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(dir, SIDECAR_FILE), JSON.stringify(sidecar));
    expect(problemOf(await CellVectorIndex.load(dir, expectation))).toMatchObject({ kind: 'corrupt', problem: expect.stringMatching(message) as string });
  });

  it('detects the state a crash between the two renames leaves: a new index beside the old sidecar', async () => {
    const dir = await freshDir('crash');
    const newer = CellVectorIndex.create({ dim, params });
    newer.add(ids.subarray(0, 700), vectors.subarray(0, 700 * dim));
    const newerDir = join(root, 'newer');
    await newer.save(newerDir, { modelId: expectation.modelId });
    await copyFile(join(newerDir, INDEX_FILE), join(dir, INDEX_FILE));
    expect(problemOf(await CellVectorIndex.load(dir, expectation))).toMatchObject({
      kind: 'checksum-mismatch',
      problem: expect.stringMatching(/interrupted/) as string,
    });
  });

  it('ignores temporary files of a crashed save and removes them on the next save, but not those of a live process', async () => {
    const dir = await freshDir('stale-temp');
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir, `.${INDEX_FILE}.${deadPid}.deadbeef.tmp`), 'half an index');
    // Another process sharing the data dir, saving right now.
    const inProgress = `.${INDEX_FILE}.${process.ppid}.cafebabe.tmp`;
    await writeFile(join(dir, inProgress), 'a save in progress');
    const { index } = loaded(await CellVectorIndex.load(dir, expectation));
    await index.save(dir, { modelId: expectation.modelId });
    expect((await readdir(dir)).sort()).toEqual([inProgress, INDEX_FILE, SIDECAR_FILE]);
  });

  it('leaves the saved pair intact when a save fails before writing', async () => {
    const dir = await freshDir('failed-save');
    const { index } = loaded(await CellVectorIndex.load(dir, expectation));
    index.add([999_999], row(vectors, 0, dim));
    await expect(index.save(dir, { modelId: expectation.modelId, extra: { big: 1n } })).rejects.toThrow();
    expect(loaded(await CellVectorIndex.load(dir, expectation)).index.size).toBe(n - 40);
  });
});
