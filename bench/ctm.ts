// Annotation cost per cell: our CTM rerank (LangCellModel.annotateCells: the zero-shot favourite
// first, the rest of the top 3 only where it could change the answer; shared cross-attention
// keys/values over the all-pairs graph) against scoring every candidate label with CTM as LangCell's
// notebook does, in two forms:
// - per pair: one CTM run for each (cell, label) pair;
// - notebook: batches of 32 cells in dataset order, one CTM run per label over the batch.
// Every way encodes cells with the same cell encoder and fuses with the same formula, so the ratio is
// the rerank's alone; the ways run interleaved slice by slice, so a change in machine load hits them
// alike. Top-1 agreement with scoring every label is measured on the demo atlas's held-out cells with
// the demo bundle, at 8 and 50 candidate labels (50 = the 12 demo labels + Cell Ontology terms as
// distractors); the bench bundle (random weights at LangCell's size) is timed on a few cells.

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CELL_TYPE_LABELS } from '../seed/labels.ts';
import type { BatchingOptions } from '../src/model/batching.ts';
import { DEMO_BUNDLE_DIR } from '../src/model/bundle.ts';
import { CtmScorer, type CellHiddenStates } from '../src/model/encoders.ts';
import { bundleVocabulary } from '../src/model/gene-vocabulary.ts';
import { LangCellModel, type LabelSet } from '../src/model/langcell.ts';
import { labelPrompt } from '../src/model/prompt.ts';
import { decideLabel, similarities, type LabelDecision } from '../src/model/scoring.ts';
import { SessionFactory, type SessionOptions } from '../src/model/sessions.ts';
import { fixed, markdownTable, now, say } from './lib/measure.ts';
import { writeReport } from './lib/report.ts';
import { BENCH_BUNDLE_DIR, SHARED_DATA_DIR, demoAtlasCells } from './lib/workloads.ts';

const CL_TERMS = `${SHARED_DATA_DIR}cell-ontology/cl-terms.cl-edit-2026-08-19.tsv`;
/** Cells whose hidden states are held at once by the baselines (as annotateCells slices them). */
const SLICE = 64;
const NOTEBOOK_BATCH = 32;

interface Candidate {
  name: string;
  prompt: string;
}

/**
 * Extra candidate labels beyond the demo's 12: live Cell Ontology terms with a definition (every
 * 50th, so the set spans the ontology), or made-up "cell type: extra N." texts without shared data.
 */
function extraCandidates(count: number, exclude: ReadonlySet<string>): Candidate[] {
  if (count <= 0) return [];
  const extra: Candidate[] = [];
  if (existsSync(CL_TERMS)) {
    const lines = readFileSync(CL_TERMS, 'utf8').split('\n').slice(1);
    const terms = lines
      .map((line) => line.split('\t'))
      .filter((f) => f.length >= 6 && f[5] === 'false' && f[1] && f[2] && !exclude.has(f[0]!));
    for (let i = 0; i < terms.length && extra.length < count; i += 50) extra.push({ name: terms[i]![1]!, prompt: labelPrompt(terms[i]![1]!, terms[i]![2]!) });
  }
  for (let i = extra.length; i < count; i += 1) extra.push({ name: `extra ${i}`, prompt: labelPrompt(`extra cell ${i}`, `a synthetic candidate label number ${i} for benchmarks`) });
  return extra;
}

interface WayTotals {
  /** Cell encoder (hidden states kept), CTM and fusion. */
  seconds: number;
  /** The CTM calls (for the rerank ways also the fusion: microseconds). */
  ctmSeconds: number;
  /** (cell, label) pairs scored by CTM. */
  ctmPairs: number;
  /** Cells that needed CTM beyond their zero-shot favourite. */
  secondRoundCells: number;
  decisions: LabelDecision[];
}

/**
 * - settle: what annotateCells does: CTM on each cell's zero-shot favourite, then on the rest of its
 *   top 3 only where those scores could change the answer;
 * - topm: CTM on the whole top 3 of every cell (cells sharing a top-3 set in one all-pairs run);
 * - favourite: CTM on the zero-shot favourite alone (top 1): the floor of any rerank;
 * - pair: every label, one (cell, label) pair per run (LangCell's CTM, one pair at a time);
 * - notebook: every label, LangCell's loop: per batch of 32 cells, one run per label.
 */
type Way = 'settle' | 'topm' | 'favourite' | 'pair' | 'notebook';
const WAYS: readonly Way[] = ['settle', 'topm', 'favourite', 'pair', 'notebook'];
const TOP_M = 3;

/** Encodes one slice of cells (hidden states kept, as annotateCells does) and scores it the given way. */
async function annotateSlice(model: LangCellModel, ctm: CtmScorer, slice: readonly Int32Array[], labels: LabelSet, way: Way, totals: WayTotals): Promise<void> {
  const { temperature, alpha } = model.bundle.manifest.scoring;
  const dim = model.embeddingDim;
  const labelCount = labels.prompts.length;
  const start = now();
  const encoding = await model.embedCells(slice, { keepHidden: true });
  const hidden = encoding.hidden!;
  const ctmStart = now();
  if (way === 'settle' || way === 'topm' || way === 'favourite') {
    const decisions = await model.annotateEncoded(encoding, labels, {
      rerank: true,
      topM: way === 'favourite' ? 1 : TOP_M,
      abstainBelow: 0,
      scoreEveryTopM: way === 'topm',
    });
    totals.ctmSeconds += now() - ctmStart;
    for (const d of decisions) {
      const pairs = d.scores.filter((s) => s.pMatch !== null).length;
      totals.ctmPairs += pairs;
      if (pairs > 1) totals.secondRoundCells += 1;
    }
    totals.decisions.push(...decisions);
  } else {
    const pMatch = slice.map(() => new Map<number, number>());
    if (way === 'pair') {
      for (let cell = 0; cell < slice.length; cell += 1) {
        for (let label = 0; label < labelCount; label += 1) {
          const p = await ctm.score([hidden[cell]!], [labels.prompts[label]!]);
          pMatch[cell]!.set(label, p[0]!);
        }
      }
    } else {
      // LangCell's loop: for each batch of cells, ctm([text_k] * B, cell_hidden, mask) for every label k.
      const oneBatch: BatchingOptions = { tokenBudget: Number.POSITIVE_INFINITY, maxBatchSize: NOTEBOOK_BATCH };
      for (let b = 0; b < slice.length; b += NOTEBOOK_BATCH) {
        const batch: CellHiddenStates[] = hidden.slice(b, b + NOTEBOOK_BATCH);
        for (let label = 0; label < labelCount; label += 1) {
          const p = await ctm.score(batch, [labels.prompts[label]!], oneBatch);
          batch.forEach((_, row) => pMatch[b + row]!.set(label, p[row]!));
        }
      }
    }
    totals.ctmSeconds += now() - ctmStart;
    totals.ctmPairs += slice.length * labelCount;
    slice.forEach((_, cell) => {
      const sims = similarities(encoding.embeddings.subarray(cell * dim, (cell + 1) * dim), labels.embeddings, dim);
      totals.decisions.push(decideLabel({ similarities: sims, temperature, alpha, pMatch: pMatch[cell]!, abstainBelow: 0 }));
    });
  }
  totals.seconds += now() - start;
}

interface Timing {
  /** Per annotated cell, milliseconds: everything (encoder + CTM + fusion). */
  totalMs: number;
  /** Per annotated cell, milliseconds: the CTM calls alone. */
  ctmMs: number;
  ctmPairsPerCell: number;
  /** Share of cells that needed CTM beyond their zero-shot favourite. */
  secondRoundShare: number;
}

interface CaseResult {
  bundle: string;
  bundleId: string;
  labels: number;
  cells: number;
  meanTokens: number;
  /** annotateCells itself (the API the CLI and service call), per cell, ms. */
  annotateCellsMs: { zeroShotOnly: number; rerank: number };
  ways: Record<Way, Timing>;
  /** Per annotated cell, settle (our rerank) against scoring every label. */
  speedup: { total: { vsPerPair: number; vsNotebook: number }; ctmOnly: { vsPerPair: number; vsNotebook: number }; topmVsPerPair: number };
  top1Agreement: { settleVsTopm: number; settleVsPerPair: number; settleVsNotebook: number; perPairVsNotebook: number; annotateCellsVsSettle: number };
  accuracy: { settle: number; everyLabel: number; zeroShotOnly: number };
}

function agreement(a: readonly LabelDecision[], b: readonly LabelDecision[]): number {
  return a.filter((d, i) => d.best === b[i]!.best).length / Math.max(1, a.length);
}

async function runCase(bundleDir: string, bundleName: string, session: SessionOptions, labelCount: number, cellLimit: number): Promise<CaseResult> {
  const model = await LangCellModel.open({ bundleDir, session });
  const demoLabels = CELL_TYPE_LABELS.slice(0, Math.min(labelCount, CELL_TYPE_LABELS.length));
  const candidates: Candidate[] = [
    ...demoLabels.map((l) => ({ name: l.name, prompt: l.prompt })),
    ...extraCandidates(labelCount - demoLabels.length, new Set(CELL_TYPE_LABELS.map((l) => l.ontologyId))),
  ];
  // Cells of the candidate types only (the 8-label case keeps 8 of the 12 demo types).
  const names = new Set(demoLabels.map((l) => l.name));
  const demo = demoAtlasCells(bundleVocabulary(model.bundle), Number.MAX_SAFE_INTEGER);
  const picked = demo.tokens.map((_, i) => i).filter((i) => names.has(demo.labels[i]!)).slice(0, cellLimit);
  const cells = picked.map((i) => demo.tokens[i]!);
  const truth = picked.map((i) => candidates.findIndex((c) => c.name === demo.labels[i]));
  say(`ctm: ${bundleName}, ${labelCount} labels, ${cells.length} cells ...`);
  const labels = await model.labelSet(candidates.map((c) => c.prompt));
  const ctm = await CtmScorer.create(model.bundle, new SessionFactory(session));

  // Warm both graphs (first runs allocate), outside the timing.
  const scratch = (): WayTotals => ({ seconds: 0, ctmSeconds: 0, ctmPairs: 0, secondRoundCells: 0, decisions: [] });
  await model.annotateCells(cells.slice(0, 2), labels, { rerank: true, topM: TOP_M, abstainBelow: 0 });
  await annotateSlice(model, ctm, cells.slice(0, 1), labels, 'pair', scratch());

  let start = now();
  const zeroShot = await model.annotateCells(cells, labels, { rerank: false, topM: 0, abstainBelow: 0 });
  const zeroShotMs = ((now() - start) / cells.length) * 1e3;
  start = now();
  const viaApi = await model.annotateCells(cells, labels, { rerank: true, topM: TOP_M, abstainBelow: 0 });
  const rerankApiMs = ((now() - start) / cells.length) * 1e3;

  // Interleaved: every way runs on each slice before the next slice, starting with a different way each time.
  const totals = Object.fromEntries(WAYS.map((way) => [way, scratch()])) as Record<Way, WayTotals>;
  for (let first = 0, turn = 0; first < cells.length; first += SLICE, turn += 1) {
    const slice = cells.slice(first, first + SLICE);
    for (let w = 0; w < WAYS.length; w += 1) {
      const way = WAYS[(w + turn) % WAYS.length]!;
      await annotateSlice(model, ctm, slice, labels, way, totals[way]);
    }
  }
  const ways = Object.fromEntries(
    WAYS.map((way) => {
      const t = totals[way];
      return [way, { totalMs: (t.seconds / cells.length) * 1e3, ctmMs: (t.ctmSeconds / cells.length) * 1e3, ctmPairsPerCell: t.ctmPairs / cells.length, secondRoundShare: t.secondRoundCells / cells.length }];
    }),
  ) as Record<Way, Timing>;
  for (const way of WAYS) say(`  ${way}: ${fixed(ways[way].totalMs)} ms/cell, CTM ${fixed(ways[way].ctmMs)} ms/cell, ${fixed(ways[way].ctmPairsPerCell)} CTM pairs/cell`);
  const accuracy = (decisions: readonly LabelDecision[]) => decisions.filter((d, i) => d.best === truth[i]).length / Math.max(1, decisions.length);
  return {
    bundle: bundleName,
    bundleId: model.id,
    labels: labelCount,
    cells: cells.length,
    meanTokens: cells.reduce((s, c) => s + c.length, 0) / Math.max(1, cells.length),
    annotateCellsMs: { zeroShotOnly: zeroShotMs, rerank: rerankApiMs },
    ways,
    speedup: {
      total: { vsPerPair: ways.pair.totalMs / ways.settle.totalMs, vsNotebook: ways.notebook.totalMs / ways.settle.totalMs },
      ctmOnly: { vsPerPair: ways.pair.ctmMs / ways.settle.ctmMs, vsNotebook: ways.notebook.ctmMs / ways.settle.ctmMs },
      topmVsPerPair: ways.pair.totalMs / ways.topm.totalMs,
    },
    top1Agreement: {
      settleVsTopm: agreement(totals.settle.decisions, totals.topm.decisions),
      settleVsPerPair: agreement(totals.settle.decisions, totals.pair.decisions),
      settleVsNotebook: agreement(totals.settle.decisions, totals.notebook.decisions),
      perPairVsNotebook: agreement(totals.pair.decisions, totals.notebook.decisions),
      annotateCellsVsSettle: agreement(viaApi, totals.settle.decisions),
    },
    accuracy: { settle: accuracy(totals.settle.decisions), everyLabel: accuracy(totals.pair.decisions), zeroShotOnly: accuracy(zeroShot) },
  };
}

/**
 * The bench bundle's random weights decide nothing, so its cells rarely settle on their favourite; a
 * trained model's do. Real-size time per cell with the demo model's second-round share s:
 * favourite + s × (second-round cost per cell that needs it), both measured on the bench bundle.
 */
function projectedSettleMs(bench: CaseResult, demo: CaseResult | undefined): number | null {
  const { settle, favourite } = bench.ways;
  if (!demo || settle.secondRoundShare === 0) return null;
  const secondRoundMs = (settle.totalMs - favourite.totalMs) / settle.secondRoundShare;
  return favourite.totalMs + demo.ways.settle.secondRoundShare * secondRoundMs;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      labels: { type: 'string', default: '8,50' },
      cells: { type: 'string', default: '1200' },
      threads: { type: 'string', default: '2' },
      'bench-bundle': { type: 'string', default: BENCH_BUNDLE_DIR },
      'bench-cells': { type: 'string', default: '16' },
      'bench-labels': { type: 'string', default: '8,50' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench -- ctm [--labels 8,50] [--cells 1200] [--threads 2] [--bench-cells 16] [--bench-labels 8,50] [--bench-bundle DIR]\n' +
        '--bench-cells 0 skips the bench bundle (which needs bench/bundles/langcell, see bench/README.md).\n',
    );
    return;
  }
  const list = (text: string | undefined) => String(text).split(',').filter(Boolean).map((n) => Number.parseInt(n, 10));
  const threads = Number.parseInt(values.threads!, 10);
  const session: SessionOptions = { provider: 'cpu', cpuThreads: threads };
  const cases: CaseResult[] = [];
  for (const labelCount of list(values.labels)) {
    cases.push(await runCase(DEMO_BUNDLE_DIR, 'demo', session, labelCount, Number.parseInt(values.cells!, 10)));
  }
  const benchCells = Number.parseInt(values['bench-cells']!, 10);
  if (benchCells > 0) {
    if (existsSync(`${values['bench-bundle']}/manifest.json`)) {
      for (const labelCount of list(values['bench-labels'])) {
        cases.push(await runCase(values['bench-bundle']!, 'bench', session, labelCount, benchCells));
      }
    } else {
      say(`no bench bundle at ${values['bench-bundle']}: skipping it (bench/README.md says how to make it)`);
    }
  }

  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const x = (v: number) => `${v.toFixed(2)}×`;
  const projections = cases
    .filter((c) => c.bundle === 'bench')
    .map((c) => {
      const demo = cases.find((d) => d.bundle === 'demo' && d.labels === c.labels);
      const projected = projectedSettleMs(c, demo);
      return { case: c, demo, projected };
    });
  const markdown = [
    '## Time per annotated cell (ms)',
    '',
    '*settle* = `LangCellModel.annotateCells` (what the CLI and the service run): CTM on each cell\'s zero-shot favourite, then on the rest of its ' +
      'top 3 only for cells where those scores could change the answer (`settledWinner`); cells sharing a candidate set in one all-pairs run ' +
      '(keys/values projected once per cell). *top 3* = CTM on the whole top 3 of every cell; *favourite* = CTM on the top 1 alone (the floor of ' +
      'any rerank). Every label = CTM on all candidates, as LangCell\'s notebook does: *per pair* = one CTM call per (cell, label); *notebook* = per ' +
      'batch of 32 cells, one call per label. "total" includes the cell encoder (the same bucketed encoder for every way, hidden states kept) ' +
      'and the fusion; "CTM" is the CTM calls alone. The ways ran interleaved, slice of 64 cells by slice. `annotateCells` columns time the API itself.',
    '',
    markdownTable(
      ['bundle', 'labels', 'cells', 'tokens/cell', 'annotateCells zero-shot', 'annotateCells rerank', 'settle total', 'settle CTM', 'top 3 total', 'favourite total', 'per pair total', 'per pair CTM', 'notebook total', 'notebook CTM'],
      cases.map((c) => [
        c.bundle,
        String(c.labels),
        String(c.cells),
        fixed(c.meanTokens, 0),
        fixed(c.annotateCellsMs.zeroShotOnly),
        fixed(c.annotateCellsMs.rerank),
        fixed(c.ways.settle.totalMs),
        fixed(c.ways.settle.ctmMs),
        fixed(c.ways.topm.totalMs),
        fixed(c.ways.favourite.totalMs),
        fixed(c.ways.pair.totalMs),
        fixed(c.ways.pair.ctmMs),
        fixed(c.ways.notebook.totalMs),
        fixed(c.ways.notebook.ctmMs),
      ]),
    ),
    '',
    '## Speed-up of the rerank',
    '',
    markdownTable(
      ['bundle', 'labels', 'settle vs per pair', 'settle vs notebook', 'top 3 vs per pair', 'CTM: settle vs per pair', 'CTM: settle vs notebook', 'CTM pairs per cell (settle / top 3 / every label)', 'cells needing a second round'],
      cases.map((c) => [
        c.bundle,
        String(c.labels),
        x(c.speedup.total.vsPerPair),
        x(c.speedup.total.vsNotebook),
        x(c.speedup.topmVsPerPair),
        x(c.speedup.ctmOnly.vsPerPair),
        x(c.speedup.ctmOnly.vsNotebook),
        `${fixed(c.ways.settle.ctmPairsPerCell)} / ${fixed(c.ways.topm.ctmPairsPerCell)} / ${fixed(c.ways.pair.ctmPairsPerCell)}`,
        pct(c.ways.settle.secondRoundShare),
      ]),
    ),
    '',
    ...(projections.length > 0
      ? [
          '### At LangCell\'s size with a trained model (projection)',
          '',
          'The bench bundle\'s random weights make zero-shot and CTM scores meaningless, so its cells rarely settle on their favourite. With the ' +
            'share of cells that needed a second round under the trained demo model (same label count), the bench bundle\'s measured costs give: ' +
            'favourite total + share × (settle total − favourite total) ÷ (the bench bundle\'s own share).',
          '',
          markdownTable(
            ['labels', 'second-round share (demo model)', 'settle at real size, projected ms', 'per pair ms (measured)', 'projected speed-up'],
            projections.map((p) => [
              String(p.case.labels),
              p.demo ? pct(p.demo.ways.settle.secondRoundShare) : '–',
              p.projected === null ? '–' : fixed(p.projected),
              fixed(p.case.ways.pair.totalMs),
              p.projected === null ? '–' : x(p.case.ways.pair.totalMs / p.projected),
            ]),
          ),
          '',
        ]
      : []),
    '## Top-1 agreement',
    '',
    markdownTable(
      ['bundle', 'labels', 'cells', 'settle vs top 3', 'settle vs per pair', 'settle vs notebook', 'per pair vs notebook', 'annotateCells vs settle here', 'accuracy settle', 'accuracy every label', 'accuracy zero-shot'],
      cases.map((c) => [
        c.bundle,
        String(c.labels),
        String(c.cells),
        pct(c.top1Agreement.settleVsTopm),
        pct(c.top1Agreement.settleVsPerPair),
        pct(c.top1Agreement.settleVsNotebook),
        pct(c.top1Agreement.perPairVsNotebook),
        pct(c.top1Agreement.annotateCellsVsSettle),
        pct(c.accuracy.settle),
        pct(c.accuracy.everyLabel),
        pct(c.accuracy.zeroShotOnly),
      ]),
    ),
    '',
    'Targets (docs/DESIGN.md): rerank ≥ 3× faster per annotated cell than scoring every label at 8 labels; same top-1 on ≥ 99% of cells ' +
      '(demo bundle). The bench bundle has random weights: its agreement and accuracy figures mean nothing, only its times do.',
  ].join('\n');
  const { mdPath } = await writeReport({
    name: 'ctm',
    title: 'CTM top-m rerank vs scoring every label',
    parameters: { threads, 'top m': 3, 'demo cells (held-out, candidate types only)': values.cells, 'bench bundle cells': benchCells, labels: values.labels, 'bench labels': values['bench-labels'] },
    results: cases,
    markdown,
  });
  process.stdout.write(`${markdown}\n\nreport: ${mdPath}\n`);
}

await main();
