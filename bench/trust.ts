// `npm run bench -- trust`: does the annotation make the best use of its evidence, and say honestly
// how sure it is? On pbmc68k (bulk_labels harmonised with dataset_label_to_cl.tsv), a stratified
// 50/50 split with a fixed seed: the train half ingested as the labelled reference, the test half
// annotated, all in one run — zero-shot, CTM (LangCell's fused), kNN, gene signatures, adapters at 1/3/5/10/all shots
// and the combined decision, at fine and coarse level, with a model-free baseline (nearest centroid
// on log1p CP10k); leave-one-type-out novelty; and the demo atlas's held-out cells. Weights and
// thresholds are fitted on reference cells only, never on the test half.

import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Atlas } from '../src/atlas/atlas.ts';
import { evaluateAnnotations } from '../src/atlas/evaluation.ts';
import type { Annotation } from '../src/atlas/types.ts';
import { openConfiguredAtlas } from '../src/cli/open-atlas.ts';
import { parseConfig } from '../src/config.ts';
import { readLabelMapFile } from '../src/ingest/label-map-file.ts';
import { openExpressionFile } from '../src/ingest/readers/index.ts';
import { seededRandom } from '../src/layout/seeded-random.mjs';
import { calibrationError } from '../src/model/decision.ts';
import { bundleVocabulary } from '../src/model/gene-vocabulary.ts';
import { upsertLabels } from '../src/store/labels.ts';
import { upsertOntologyTerms } from '../src/store/ontology.ts';
import { demoLabelInputs, DEMO_DATASET_NAME, seedDemo } from '../seed/seed-database.ts';
import { DEMO_ONTOLOGY_TERMS } from '../seed/ontology.ts';
import { generateDemoAtlas } from '../seed/atlas.ts';
import { writeH5ad } from '../test/helpers/h5ad-writer.ts';
import { scratchDatabase } from './lib/database.ts';
import { fixed, markdownTable, median, say } from './lib/measure.ts';
import { writeReport } from './lib/report.ts';
import { PBMC68K_H5AD, requireFile, SHARED_DATA_DIR, tokenizeFile } from './lib/workloads.ts';

const { values: options } = parseArgs({
  options: {
    'admin-url': { type: 'string', default: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    seed: { type: 'string', default: '7' },
    'skip-demo': { type: 'boolean', default: false },
    'skip-loto': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) {
  process.stdout.write('npm run bench -- trust [--seed N] [--skip-demo] [--skip-loto] [--admin-url URL]\n');
  process.exit(0);
}

const MAPPING_FILE = `${SHARED_DATA_DIR}cell-ontology/dataset_label_to_cl.tsv`;
const ONTOLOGY_FILE = `${SHARED_DATA_DIR}cell-ontology/cl-terms.cl-edit-2026-08-19.tsv`;
/** Adult heart cells (endothelial cells and fibroblasts, Litviňuková 2020): types a PBMC atlas lacks. */
const HEART_H5AD = `${SHARED_DATA_DIR}cellxgene-schema-fixtures/example_invalid_CL.heart-320cells.h5ad`;
const SEED = Number(options.seed);
const K = 25;
/** Cells of another demo generator run annotated against the seeded demo atlas. */
const OTHER_BATCH_CELLS = 600;
/** The types alone in their coarse class (leave-one-type-out): removed from reference and candidates. */
const LOTO_TYPES = ['CD19+ B', 'CD56+ NK', 'CD14+ Monocyte', 'Dendritic', 'CD34+'];

interface Cell {
  readonly id: string;
  readonly label: string;
  readonly counts: number[];
}

async function readPbmc(): Promise<{ cells: Cell[]; genes: string[] }> {
  const source = await openExpressionFile(PBMC68K_H5AD);
  try {
    const genes = [...(source.genes.columns['gene_ids'] ?? source.genes.index)];
    const cells: Cell[] = [];
    for await (const chunk of source.chunks(256)) {
      chunk.cellIds.forEach((id, row) => {
        const counts = new Array<number>(genes.length).fill(0);
        for (let j = chunk.indptr[row]!; j < chunk.indptr[row + 1]!; j += 1) counts[chunk.indices[j]!] = chunk.values[j]!;
        cells.push({ id, label: String(chunk.obs['bulk_labels']![row]), counts });
      });
    }
    return { cells, genes };
  } finally {
    await source.close();
  }
}

function stratifiedSplit(cells: readonly Cell[], seed: number): { train: Cell[]; test: Cell[] } {
  const next = seededRandom(seed);
  const byLabel = new Map<string, Cell[]>();
  for (const cell of cells) byLabel.set(cell.label, [...(byLabel.get(cell.label) ?? []), cell]);
  const train: Cell[] = [];
  const test: Cell[] = [];
  for (const group of byLabel.values()) {
    const order = group.map((cell) => ({ cell, key: next() })).sort((a, b) => a.key - b.key).map((e) => e.cell);
    const half = Math.round(order.length / 2);
    train.push(...order.slice(0, half));
    test.push(...order.slice(half));
  }
  return { train, test };
}

async function writeCells(path: string, cells: readonly Cell[], genes: readonly string[]): Promise<void> {
  await writeH5ad(path, {
    X: cells.map((c) => c.counts),
    layout: 'csr',
    encoding: 'modern',
    dtype: '<f',
    obs: { index: cells.map((c) => c.id), columns: { bulk_labels: { kind: 'categorical', values: cells.map((c) => c.label) } } },
    var: { index: [...genes] },
  });
}


/** An atlas on a scratch database with the demo model, its labels and the ontology graph (no demo cells). */
async function labelledAtlas(tag: string, scratch: string): Promise<{ atlas: Atlas; drop(): Promise<void> }> {
  const database = await scratchDatabase(options['admin-url'], tag);
  const config = parseConfig({ DATABASE_URL: database.url, LANGCELL_DATA_DIR: join(scratch, tag), LANGCELL_INGEST_CHUNK_CELLS: '128' });
  const atlas = await openConfiguredAtlas(config, {
    serving: false,
    log: () => undefined,
    prepare: async (runtime) => {
      await upsertLabels(runtime.db, demoLabelInputs());
      await upsertOntologyTerms(runtime.db, DEMO_ONTOLOGY_TERMS);
    },
  });
  if (existsSync(ONTOLOGY_FILE)) await atlas.importLabels(ONTOLOGY_FILE, { termsOnly: true });
  return {
    atlas,
    drop: async () => {
      await atlas.close();
      await database.drop();
    },
  };
}

async function ingest(atlas: Atlas, path: string, name: string): Promise<void> {
  await atlas.startWorker();
  const job = await atlas.ingestReference({ path, name, labelColumn: 'bulk_labels', labelMapPath: MAPPING_FILE });
  let last = job;
  for await (const current of atlas.watchIngestion(job.id)) last = current;
  if (last.state !== 'SUCCEEDED') throw new Error(`ingestion ${last.state}: ${last.errorCode} ${last.errorMessage}`);
}

type Method = 'zeroShot' | 'fused' | 'knn' | 'signature' | 'adapter' | 'combined';

function pick(annotation: Annotation, method: Method): string {
  const score = (c: Annotation['candidates'][number]): number | null =>
    method === 'zeroShot' ? c.zeroShot : method === 'fused' ? c.fused : method === 'knn' ? c.knnShare : method === 'signature' ? c.signature : method === 'adapter' ? c.adapter : c.combined;
  if (method === 'combined') return annotation.bestLabel.name;
  let best: Annotation['candidates'][number] | null = null;
  for (const c of annotation.candidates) if (score(c) !== null && (best === null || score(c)! > score(best)!)) best = c;
  return best && score(best)! > 0 ? best.label.name : '(none)';
}

interface LevelFigures {
  accuracy: number;
  macroF1: number;
}

function levels(truthFine: readonly string[], truthCoarse: readonly string[], predicted: readonly string[], coarseOf: ReadonlyMap<string, string>): { fine: LevelFigures; coarse: LevelFigures } {
  const fine = evaluateAnnotations(truthFine, predicted);
  const coarse = evaluateAnnotations(truthCoarse, predicted.map((p) => coarseOf.get(p) ?? p));
  return { fine: { accuracy: fine.accuracy, macroF1: fine.macroF1 }, coarse: { accuracy: coarse.accuracy, macroF1: coarse.macroF1 } };
}

/** Area under the ROC curve of `scores` for positives vs negatives (ties count half). */
function auroc(scores: readonly number[], positive: readonly boolean[]): number {
  const pos = scores.filter((_, i) => positive[i]);
  const neg = scores.filter((_, i) => !positive[i]);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return pos.length * neg.length === 0 ? NaN : wins / (pos.length * neg.length);
}

/**
 * How much an ECE measured on these cells moves by chance: a 95% bootstrap interval (cells drawn
 * with replacement), and the noise floor — the mean ECE of a perfectly calibrated decision with the
 * same confidences (each cell right with probability equal to its confidence).
 */
function eceUncertainty(confidence: readonly number[], correct: readonly boolean[], seed: number, draws = 1000): { interval: [number, number]; noiseFloor: number } {
  const next = seededRandom(seed + 1);
  const n = confidence.length;
  const resampled: number[] = [];
  let floor = 0;
  for (let draw = 0; draw < draws; draw += 1) {
    const picks = Array.from({ length: n }, () => Math.floor(next() * n));
    resampled.push(calibrationError(picks.map((i) => confidence[i]!), picks.map((i) => correct[i]!)).ece);
    floor += calibrationError(confidence, confidence.map((c) => next() < c)).ece / draws;
  }
  resampled.sort((a, b) => a - b);
  return { interval: [resampled[Math.floor(0.025 * draws)]!, resampled[Math.floor(0.975 * draws)]!], noiseFloor: floor };
}

interface DecisionSummary {
  weights: { withCtm: Record<string, number> } | null;
  validation: { labelled: number; folds: number; sources: Record<string, { accuracy: number; ece: number }> } | null;
  novelty: { quantile: number; chosenBy: string; heldOut: { types: number; truePositiveRate: number; falsePositiveRate: number } | null } | null;
}

/** The fitted decision in words: its sources and weights, its cross-validated figures, its novelty threshold. */
function decisionLine(decision: DecisionSummary): string {
  const weights = decision.weights ? Object.entries(decision.weights.withCtm).map(([source, w]) => `${source} ${fixed(w, 2)}`).join(', ') : 'none (uncalibrated)';
  const combined = decision.validation?.sources['combined'];
  const novelty = decision.novelty;
  return (
    `The decision, fitted on the reference only: sources and weights ${weights}` +
    (combined && decision.validation ? `; ${decision.validation.folds}-fold cross-validated on its ${decision.validation.labelled} labelled cells: accuracy ${fixed(combined.accuracy, 3)}, ECE ${fixed(combined.ece, 3)}` : '') +
    (novelty ? `; novelty threshold at the reference's ${fixed(novelty.quantile, 2)} quantile (${novelty.chosenBy === 'heldOutTypes' && novelty.heldOut ? `${novelty.heldOut.types} labelled types held out in turn: ${fixed(novelty.heldOut.truePositiveRate, 2)} of their cells past it, ${fixed(novelty.heldOut.falsePositiveRate, 2)} of the others` : 'no types to hold out'}).` : '.')
  );
}

/** Nearest centroid on log1p(CP10k) expression: the model-free baseline. */
function nearestCentroid(train: readonly Cell[], test: readonly Cell[], truthOf: (label: string) => string): string[] {
  const normalise = (counts: readonly number[]) => {
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    return counts.map((c) => Math.log1p((c / total) * 1e4));
  };
  const sums = new Map<string, { sum: number[]; n: number }>();
  for (const cell of train) {
    const label = truthOf(cell.label);
    const x = normalise(cell.counts);
    const entry = sums.get(label) ?? { sum: new Array<number>(x.length).fill(0), n: 0 };
    x.forEach((v, j) => (entry.sum[j]! += v));
    entry.n += 1;
    sums.set(label, entry);
  }
  const centroids = [...sums].map(([label, { sum, n }]) => ({ label, c: sum.map((v) => v / n) }));
  return test.map((cell) => {
    const x = normalise(cell.counts);
    let best = centroids[0]!;
    let bestDistance = Infinity;
    for (const centroid of centroids) {
      const distance = centroid.c.reduce((s, v, j) => s + (v - x[j]!) ** 2, 0);
      if (distance < bestDistance) [best, bestDistance] = [centroid, distance];
    }
    return best.label;
  });
}

async function main(): Promise<void> {
  requireFile(PBMC68K_H5AD, 'pbmc68k in ../shared/data');
  requireFile(MAPPING_FILE, 'dataset_label_to_cl.tsv in ../shared/data/cell-ontology');
  const scratch = await mkdtemp(join(tmpdir(), 'langcell-trust-'));
  const started = performance.now();
  const { cells, genes } = await readPbmc();
  const { train, test } = stratifiedSplit(cells, SEED);
  await writeCells(join(scratch, 'train.h5ad'), train, genes);
  await writeCells(join(scratch, 'test.h5ad'), test, genes);
  say(`pbmc68k: ${cells.length} cells → train ${train.length}, test ${test.length} (stratified, seed ${SEED})`);
  const explicit = await readLabelMapFile(MAPPING_FILE);

  // --- the main run: train half as the labelled reference ---
  const main = await labelledAtlas('main', scratch);
  // The test half, tokenized once for every run (they all use the demo bundle).
  let testTokens: Int32Array[] | undefined;
  const results: Record<string, unknown> = {};
  try {
    const { atlas } = main;
    await ingest(atlas, join(scratch, 'train.h5ad'), 'pbmc68k-train');
    const datasets = await atlas.datasets();
    const mappings = await atlas.labelMappings(datasets[0]!.id);
    const labelNames = new Map((await atlas.labels()).map((l) => [l.id, l.name]));
    results['mapping'] = mappings.map((m) => ({ source: m.sourceLabel, label: m.labelId === null ? null : labelNames.get(m.labelId), method: m.method, cells: m.cells }));
    const fit = await atlas.calibrate();
    results['decision'] = { weights: fit.combiner, validation: fit.validation, novelty: fit.novelty };
    say(`decision fitted: ${JSON.stringify(fit.combiner)}`);

    const truthMap = await atlas.harmoniseLabels([...new Set(test.map((c) => c.label))], explicit);
    const catalogueCoarse = await atlas.harmoniseLabels((await atlas.labels()).map((l) => l.name));
    const coarseOf = new Map([...catalogueCoarse].map(([name, h]) => [name, h.coarse ?? name]));
    const truthFine = test.map((c) => truthMap.get(c.label)?.label?.name ?? `(unmapped) ${c.label}`);
    const truthCoarse = test.map((c) => truthMap.get(c.label)?.coarse ?? `(unmapped) ${c.label}`);
    results['truth'] = [...truthMap].map(([source, h]) => ({ source, label: h.label?.name ?? null, coarse: h.coarse, method: h.method }));

    const tokens = await tokenizeFile(join(scratch, 'test.h5ad'), bundleVocabulary(atlas.runtime.model.bundle));
    testTokens = tokens;
    const rows: string[][] = [];
    const figures: Record<string, unknown> = {};
    const record = (name: string, predicted: readonly string[]) => {
      const level = levels(truthFine, truthCoarse, predicted, coarseOf);
      figures[name] = level;
      rows.push([name, fixed(level.fine.accuracy, 3), fixed(level.fine.macroF1, 3), fixed(level.coarse.accuracy, 3), fixed(level.coarse.macroF1, 3)]);
    };
    record('nearest centroid (log1p CP10k, model-free)', nearestCentroid(train, test, (label) => truthMap.get(label)?.label?.name ?? label));

    const base = await atlas.annotateTokens(tokens, { k: K, rerank: true, topM: 3 });
    record('zero-shot', base.map((a) => pick(a, 'zeroShot')));
    record('LangCell fused (zero-shot + CTM)', base.map((a) => pick(a, 'fused')));
    record('kNN vote', base.map((a) => pick(a, 'knn')));
    record('gene signature (model-free, reference tokens)', base.map((a) => pick(a, 'signature')));
    record('combined decision', base.map((a) => pick(a, 'combined')));
    const confidence = base.map((a) => a.confidence);
    const correct = base.map((a, i) => a.bestLabel.name === truthFine[i]);
    const calibration = calibrationError(confidence, correct);
    const eceSpread = eceUncertainty(confidence, correct, SEED);
    const assigned = base.filter((a) => a.label !== null);
    const assignedCorrect = base.filter((a, i) => a.label !== null && a.label.name === truthFine[i]).length;
    results['calibration'] = {
      ece: calibration.ece,
      eceInterval: eceSpread.interval,
      eceNoiseFloor: eceSpread.noiseFloor,
      reliability: calibration.table,
      calibrated: base.every((a) => a.calibrated),
      abstentionRate: 1 - assigned.length / base.length,
      accuracyOnAssigned: assigned.length ? assignedCorrect / assigned.length : null,
      reasons: Object.fromEntries(['LOW_CONFIDENCE', 'CONFLICT', 'NOVEL'].map((r) => [r, base.filter((a) => a.reason === r).length])),
      rolledUp: base.filter((a) => a.rolledUp !== null).length,
    };
    say(`combined on the test half: ECE ${calibration.ece.toFixed(3)}, abstention ${fixed(1 - assigned.length / base.length, 3)}`);

    // Cells of another study, of types the atlas has no label for (the issue's first complaint).
    if (existsSync(HEART_H5AD)) {
      const heartTokens = await tokenizeFile(HEART_H5AD, bundleVocabulary(atlas.runtime.model.bundle));
      const heart = await atlas.annotateTokens(heartTokens, { k: K, rerank: true, topM: 3 });
      const share = (keep: (a: Annotation) => boolean) => heart.filter(keep).length / heart.length;
      results['otherStudy'] = {
        cells: heart.length,
        genesKnown: median(heartTokens.map((t) => t.length - 1)),
        novel: share((a) => a.reason === 'NOVEL'),
        unassigned: share((a) => a.label === null),
        noAnswerAtAnyLevel: share((a) => a.label === null && a.rolledUp === null),
        reasons: Object.fromEntries(['TOO_FEW_GENES', 'NOVEL', 'LOW_CONFIDENCE', 'CONFLICT'].map((r) => [r, heart.filter((a) => a.reason === r).length])),
        medianConfidence: median(heart.map((a) => a.confidence)),
        assignedAs: Object.fromEntries([...new Set(heart.filter((a) => a.label !== null).map((a) => a.label!.name))].map((name) => [name, heart.filter((a) => a.label?.name === name).length])),
      };
      say(`heart cells (another study): ${JSON.stringify(results['otherStudy'])}`);
    }

    for (const shots of [1, 3, 5, 10, undefined]) {
      const name = `adapter-${shots ?? 'all'}`;
      const adapter = await atlas.adapt({ name, dataset: 'pbmc68k-train', seed: 2024, ...(shots ? { shots } : {}) });
      const adapted = await atlas.annotateTokens(tokens, { k: K, rerank: true, topM: 3, adapter: name });
      record(`adapter alone, ${shots ?? 'all'} shots (${adapter.kind}, blend ${adapter.blend})`, adapted.map((a) => pick(a, 'adapter')));
      record(`combined with adapter, ${shots ?? 'all'} shots`, adapted.map((a) => pick(a, 'combined')));
      if (shots === undefined) {
        const ece = calibrationError(adapted.map((a) => a.confidence), adapted.map((a, i) => a.bestLabel.name === truthFine[i])).ece;
        results['calibrationWithAdapter'] = { ece };
      }
    }
    results['methods'] = figures;
    results['methodTable'] = rows;
  } finally {
    await main.drop();
  }

  // --- leave one type out: novelty ---
  const loto: Record<string, unknown>[] = [];
  if (!options['skip-loto']) {
    for (const type of LOTO_TYPES) {
      const run = await labelledAtlas(`loto${LOTO_TYPES.indexOf(type)}`, scratch);
      try {
        const { atlas } = run;
        const path = join(scratch, `train-without-${LOTO_TYPES.indexOf(type)}.h5ad`);
        await writeCells(path, train.filter((c) => c.label !== type), genes);
        await ingest(atlas, path, 'pbmc68k-train');
        const fit = await atlas.calibrate();
        const left = (await atlas.harmoniseLabels([type], explicit)).get(type)!.label!;
        const candidates = (await atlas.labels()).map((l) => l.name).filter((name) => name !== left.name);
        const annotations = await atlas.annotateTokens(testTokens!, { k: K, rerank: true, topM: 3, candidates });
        const isType = test.map((c) => c.label === type);
        const share = (wanted: boolean, test: (a: Annotation) => boolean) => {
          const group = annotations.filter((_, i) => isType[i] === wanted);
          return group.filter(test).length / group.length;
        };
        const novel = (a: Annotation) => a.reason === 'NOVEL';
        const unassigned = (a: Annotation) => a.label === null;
        // No answer at any level: not even an ancestor the rolled-up probability is sure of.
        const noAnswer = (a: Annotation) => a.label === null && a.rolledUp === null;
        const entry = {
          type,
          leftOutLabel: left.name,
          cells: isType.filter(Boolean).length,
          noveltyQuantile: fit.novelty?.quantile ?? null,
          aurocNovelty: auroc(annotations.map((a) => a.novelty?.score ?? 0), isType),
          aurocNearest: auroc(annotations.map((a) => a.novelty?.nearestDistance ?? 0), isType),
          aurocText: auroc(annotations.map((a) => 1 - (a.novelty?.bestTextSimilarity ?? 1)), isType),
          aurocUncertainty: auroc(annotations.map((a) => 1 - a.confidence), isType),
          novelLeftOut: share(true, novel),
          novelOthers: share(false, novel),
          unassignedLeftOut: share(true, unassigned),
          unassignedOthers: share(false, unassigned),
          noAnswerLeftOut: share(true, noAnswer),
          noAnswerOthers: share(false, noAnswer),
        };
        loto.push(entry);
        say(`LOTO ${type}: AUROC ${entry.aurocNovelty.toFixed(3)}, NOVEL ${entry.novelLeftOut.toFixed(2)} vs ${entry.novelOthers.toFixed(2)}, unassigned ${entry.unassignedLeftOut.toFixed(2)} vs ${entry.unassignedOthers.toFixed(2)}`);
      } finally {
        await run.drop();
      }
    }
  }
  results['leaveOneTypeOut'] = loto;

  // --- the demo atlas's held-out cells: today's fused decision vs the combined one ---
  if (!options['skip-demo']) {
    const database = await scratchDatabase(options['admin-url'], 'demo');
    const atlas = await openConfiguredAtlas(parseConfig({ DATABASE_URL: database.url, LANGCELL_DATA_DIR: join(scratch, 'demo') }), {
      serving: false,
      log: () => undefined,
      prepare: (runtime) => seedDemo(runtime),
    });
    try {
      const { rows } = await atlas.runtime.db.pool.query<{ id: number; label: string }>(
        `SELECT c.id, c.label FROM cell c JOIN dataset d ON d.id = c.dataset_id WHERE d.name = $1 AND c.metadata->>'split' = 'test' ORDER BY c.id`,
        [DEMO_DATASET_NAME],
      );
      let fused = 0;
      let combined = 0;
      let novel = 0;
      for (const cell of rows) {
        const annotation = await atlas.annotateCell({ cellId: cell.id }, { k: K, rerank: true, topM: 3 });
        if (pick(annotation, 'fused') === cell.label) fused += 1;
        if (annotation.bestLabel.name === cell.label) combined += 1;
        if (annotation.reason === 'NOVEL') novel += 1;
      }
      // The same twelve types from another generator run: another batch of known types, which
      // should rarely be called NOVEL.
      const other = generateDemoAtlas({ cells: OTHER_BATCH_CELLS, seed: 11 });
      const otherPath = join(scratch, 'demo-other-batch.h5ad');
      await writeH5ad(otherPath, {
        X: other.cells.map((_, row) => {
          const dense = new Array<number>(other.genes.length).fill(0);
          for (let j = other.counts.indptr[row]!; j < other.counts.indptr[row + 1]!; j += 1) dense[other.counts.indices[j]!] = other.counts.values[j]!;
          return dense;
        }),
        layout: 'csr',
        encoding: 'modern',
        dtype: '<f',
        obs: { index: other.cells.map((c) => `other-${c.id}`), columns: {} },
        var: { index: other.genes.map((g) => g.ensemblId) },
      });
      const otherAnnotations = await atlas.annotateTokens(await tokenizeFile(otherPath, bundleVocabulary(atlas.runtime.model.bundle)), { k: K, rerank: true, topM: 3 });
      results['demo'] = {
        cells: rows.length,
        fusedAccuracy: fused / rows.length,
        combinedAccuracy: combined / rows.length,
        novel: novel / rows.length,
        otherBatch: {
          cells: otherAnnotations.length,
          accuracy: otherAnnotations.filter((a, i) => a.bestLabel.name === other.cells[i]!.label).length / otherAnnotations.length,
          novel: otherAnnotations.filter((a) => a.reason === 'NOVEL').length / otherAnnotations.length,
          unassigned: otherAnnotations.filter((a) => a.label === null).length / otherAnnotations.length,
        },
      };
      say(`demo held-out: fused ${(fused / rows.length).toFixed(3)}, combined ${(combined / rows.length).toFixed(3)}; ${JSON.stringify(results['demo'])}`);
    } finally {
      await atlas.close();
      await database.drop();
    }
  }
  await rm(scratch, { recursive: true, force: true });
  const seconds = (performance.now() - started) / 1000;

  const methodTable = markdownTable(['method', 'fine accuracy', 'fine macro-F1', 'coarse accuracy', 'coarse macro-F1'], results['methodTable'] as string[][]);
  const calibration = results['calibration'] as { ece: number; eceInterval: [number, number]; eceNoiseFloor: number; abstentionRate: number; accuracyOnAssigned: number | null; reasons: Record<string, number>; rolledUp: number };
  const number = (e: Record<string, unknown>, key: string, digits: number) => fixed(e[key] as number, digits);
  const lotoTable = markdownTable(
    ['left out', 'as label', 'cells', 'threshold quantile', 'novelty AUROC', 'nearest-cell AUROC', '1 − text AUROC', '1 − confidence AUROC', 'NOVEL: left out / others', 'UNASSIGNED: left out / others', 'no answer at any level: left out / others'],
    loto.map((e) => [
      String(e['type']),
      String(e['leftOutLabel']),
      String(e['cells']),
      number(e, 'noveltyQuantile', 2),
      number(e, 'aurocNovelty', 3),
      number(e, 'aurocNearest', 3),
      number(e, 'aurocText', 3),
      number(e, 'aurocUncertainty', 3),
      `${number(e, 'novelLeftOut', 2)} / ${number(e, 'novelOthers', 2)}`,
      `${number(e, 'unassignedLeftOut', 2)} / ${number(e, 'unassignedOthers', 2)}`,
      `${number(e, 'noAnswerLeftOut', 2)} / ${number(e, 'noAnswerOthers', 2)}`,
    ]),
  );
  const mean = (key: string) => loto.reduce((sum, e) => sum + (e[key] as number), 0) / Math.max(1, loto.length);
  const demo = results['demo'] as { cells: number; fusedAccuracy: number; combinedAccuracy: number; novel: number; otherBatch: { cells: number; accuracy: number; novel: number; unassigned: number } } | undefined;
  const markdown = [
    `pbmc68k (${cells.length} cells, bulk_labels harmonised with dataset_label_to_cl.tsv onto the demo model's 12 labels), stratified 50/50 split (seed ${SEED}): train half ingested as the labelled reference (${train.length} cells), test half annotated (${test.length} cells). The decision and the adapters are fitted on reference cells only. ${fixed(seconds, 0)} s in all.`,
    '',
    methodTable,
    '',
    decisionLine(results['decision'] as DecisionSummary),
    '',
    `Calibration of the combined decision on the test half: ECE ${fixed(calibration.ece, 3)} (95% bootstrap interval ${fixed(calibration.eceInterval[0], 3)}–${fixed(calibration.eceInterval[1], 3)}; a perfectly calibrated decision with these confidences would show ${fixed(calibration.eceNoiseFloor, 3)} on this many cells by chance); abstention rate ${fixed(calibration.abstentionRate, 3)} at the default threshold, accuracy on assigned cells ${fixed(calibration.accuracyOnAssigned ?? NaN, 3)}; reasons ${JSON.stringify(calibration.reasons)}; ${calibration.rolledUp} answers rolled up to an ancestor.`,
    '',
    'Leave one type out (removed from the reference and from the candidates). The novelty threshold is chosen on the reference of each run (its labelled types held out in turn, at most 5% of the other cells flagged); "no answer at any level" counts UNASSIGNED cells that were not rolled up to a certain ancestor either:',
    '',
    lotoTable,
    '',
    loto.length ? `Means over the ${loto.length} left-out types: novelty AUROC ${fixed(mean('aurocNovelty'), 3)} (nearest cell alone ${fixed(mean('aurocNearest'), 3)}, text ${fixed(mean('aurocText'), 3)}); NOVEL ${fixed(mean('novelLeftOut'), 2)} of left-out cells and ${fixed(mean('novelOthers'), 2)} of the others; UNASSIGNED ${fixed(mean('unassignedLeftOut'), 2)} / ${fixed(mean('unassignedOthers'), 2)}.` : '',
    '',
    otherStudyLine(results['otherStudy'] as OtherStudy | undefined),
    '',
    demo
      ? `Demo atlas, ${demo.cells} held-out cells: LangCell fused ${fixed(demo.fusedAccuracy, 3)}, combined ${fixed(demo.combinedAccuracy, 3)}; NOVEL ${fixed(demo.novel, 3)}. ` +
        `${demo.otherBatch.cells} cells of the same types from another generator run (another batch): combined ${fixed(demo.otherBatch.accuracy, 3)}, NOVEL ${fixed(demo.otherBatch.novel, 3)}, UNASSIGNED ${fixed(demo.otherBatch.unassigned, 3)}.`
      : 'Demo atlas: skipped.',
  ].join('\n');
  const paths = await writeReport({ name: 'trust', title: 'Annotation that earns trust: evidence, calibration, novelty', parameters: { seed: SEED, k: K, mappingFile: MAPPING_FILE }, results, markdown });
  say(`report: ${paths.mdPath}`);
}

interface OtherStudy {
  cells: number;
  genesKnown: number;
  novel: number;
  unassigned: number;
  noAnswerAtAnyLevel: number;
  reasons: Record<string, number>;
  medianConfidence: number;
  assignedAs: Record<string, number>;
}

function otherStudyLine(study: OtherStudy | undefined): string {
  if (!study) return 'Cells of another study: skipped (the heart fixture is not in ../shared/data).';
  const assigned = Object.entries(study.assignedAs).map(([label, cells]) => `${label} ${cells}`);
  return (
    `Cells of another study, of types the atlas has no label for (${study.cells} adult heart endothelial cells and fibroblasts, Litviňuková 2020, annotated against the train half; the demo model knows a median of ${study.genesKnown} of their genes): ` +
    `UNASSIGNED ${fixed(study.unassigned, 3)} (reasons ${JSON.stringify(study.reasons)}), NOVEL ${fixed(study.novel, 3)}, no answer at any level ${fixed(study.noAnswerAtAnyLevel, 3)}; assigned as ${assigned.length ? assigned.join(', ') : 'nothing'}; median confidence of the best label ${fixed(study.medianConfidence, 3)}.`
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
