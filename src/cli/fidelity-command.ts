import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { AtlasError } from '../errors.ts';
import type { CellChunk } from '../model/cells.ts';
import { openExpressionFile } from '../ingest/readers/index.ts';
import { tokenizeSource } from '../ingest/tokenize-source.ts';
import { recordInt8Fidelity } from '../model/bundle.ts';
import { CellTokenizer } from '../model/cell-tokenizer.ts';
import { FIDELITY_TARGETS, agreement, maxAbsDifference, precisionAtK, rowCosineStats } from '../model/fidelity.ts';
import { bundleVocabulary, type GeneVocabulary } from '../model/gene-vocabulary.ts';
import { resolveGenes } from '../model/genes.ts';
import { LangCellModel, type LabelSet } from '../model/langcell.ts';
import { GRAPH_FILES, int8FileName, type Int8Fidelity } from '../model/manifest.ts';
import type { SessionOptions } from '../model/sessions.ts';

/**
 * The demo atlas's held-out cells and label texts, which the fidelity figures are measured on. They
 * live in seed/ (outside src/): `bin/langcell-atlas.js` passes them in (seed/demo-reference.ts).
 */
export interface DemoReference {
  /** Ensembl ids of the generated matrix's columns. */
  readonly geneIds: readonly string[];
  /** Up to `limit` held-out cells as one chunk, with their labels. */
  heldOut(limit: number): { readonly chunk: CellChunk; readonly labels: readonly string[] };
  /** Every demo label's name and LangCell prompt. */
  readonly labels: readonly { readonly name: string; readonly prompt: string }[];
}

export interface FidelityOptions {
  readonly demo: DemoReference;
  /** Held-out demo-atlas cells to use (at most; the atlas has 1,200). */
  demoCells: number;
  /** An expression file (pbmc68k_reduced) annotated by both; none = demo cells only. */
  pbmc68k?: string;
  pbmcCells: number;
  /** Cells whose p_match against every label is compared. */
  ctmCells: number;
  session: SessionOptions;
  log: (message: string) => void;
}

interface CellSet {
  name: string;
  tokens: Int32Array[];
  labels?: string[];
}

function demoHeldOutCells(demo: DemoReference, vocabulary: GeneVocabulary, limit: number): CellSet {
  const { chunk, labels } = demo.heldOut(limit);
  const mapping = resolveGenes({ index: demo.geneIds, columns: {} }, vocabulary, 'demo atlas');
  const tokenizer = new CellTokenizer(vocabulary.clsId, vocabulary.maxLength);
  return { name: 'demo-heldout', tokens: tokenizer.tokenizeChunk(chunk, mapping, 'counts'), labels: [...labels] };
}

async function fileCells(path: string, vocabulary: GeneVocabulary, limit: number): Promise<CellSet> {
  const source = await openExpressionFile(path);
  try {
    const tokenizer = new CellTokenizer(vocabulary.clsId, vocabulary.maxLength);
    const tokens: Int32Array[] = [];
    for await (const chunk of tokenizeSource(source, vocabulary, tokenizer).chunks(512)) {
      tokens.push(...chunk.tokens);
      if (tokens.length >= limit) break;
    }
    return { name: 'pbmc68k', tokens: tokens.slice(0, limit) };
  } finally {
    await source.close();
  }
}

function topOne(model: LangCellModel, cells: readonly Int32Array[], labels: LabelSet): Promise<number[]> {
  // LangCell's answer: zero-shot fused with CTM on the top 3, never abstaining, so that a changed
  // best label counts however low its confidence.
  return model.annotateCells(cells, labels, { rerank: true, topM: 3, abstainBelow: 0 }).then((d) => d.map((x) => x.best));
}

/**
 * Runs the fp32 graphs and their int8 twins on the same cells and texts and returns the record
 * the manifest keeps (see Int8Fidelity). Both models run in this process, one after the other.
 */
export async function measureInt8Fidelity(bundleDir: string, options: FidelityOptions): Promise<Int8Fidelity> {
  const open = (precision: 'fp32' | 'int8') =>
    LangCellModel.open({ bundleDir, precision, allowUnmeasuredInt8: true, session: options.session, log: options.log });
  const fp32 = await open('fp32');
  const int8 = await open('int8');
  const prompts = options.demo.labels.map((l) => l.prompt);
  const vocabulary = bundleVocabulary(fp32.bundle);
  const sets = [demoHeldOutCells(options.demo, vocabulary, options.demoCells)];
  if (options.pbmc68k) sets.push(await fileCells(options.pbmc68k, vocabulary, options.pbmcCells));
  const dim = fp32.embeddingDim;

  const labelsFp32 = await fp32.labelSet(prompts);
  const labelsInt8 = await int8.labelSet(prompts);
  const fp32Embeddings: Float32Array[] = [];
  const int8Embeddings: Float32Array[] = [];
  const top1Agreement: Int8Fidelity['top1Agreement'] = {};
  let demoEmbeddings: { fp32: Float32Array; int8: Float32Array } | undefined;
  for (const set of sets) {
    options.log(`${set.name}: ${set.tokens.length} cells, ${prompts.length} labels`);
    const a = await fp32.embedCells(set.tokens);
    const b = await int8.embedCells(set.tokens);
    fp32Embeddings.push(a.embeddings);
    int8Embeddings.push(b.embeddings);
    if (set.name === 'demo-heldout') demoEmbeddings = { fp32: a.embeddings, int8: b.embeddings };
    const same = agreement(await topOne(fp32, set.tokens, labelsFp32), await topOne(int8, set.tokens, labelsInt8));
    top1Agreement[set.name] = { cells: set.tokens.length, labels: prompts.length, agreement: same };
    options.log(`${set.name}: same top-1 on ${(same * 100).toFixed(2)}%`);
  }
  const concat = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) out.set(p, (offset += p.length) - p.length);
    return out;
  };
  const cellEmbeddingCosine = rowCosineStats(concat(fp32Embeddings), concat(int8Embeddings), dim);

  // CTM alone: each side's own hidden states against every label.
  const ctmCells = sets[0]!.tokens.slice(0, options.ctmCells);
  const hiddenFp32 = (await fp32.embedCells(ctmCells, { keepHidden: true })).hidden!;
  const hiddenInt8 = (await int8.embedCells(ctmCells, { keepHidden: true })).hidden!;
  const pMatchDiff = maxAbsDifference(await fp32.matchCells(hiddenFp32, prompts), await int8.matchCells(hiddenInt8, prompts));

  // Text → cell: each label's prompt as a query over the demo held-out cells, labelled by cell type.
  const demo = sets[0]!;
  const names = options.demo.labels.map((l) => l.name);
  const precisionFp32 = precisionAtK(labelsFp32.embeddings, names, demoEmbeddings!.fp32, demo.labels!, dim, 10);
  const precisionInt8 = precisionAtK(labelsInt8.embeddings, names, demoEmbeddings!.int8, demo.labels!, dim, 10);
  const absDiff = Math.abs(precisionFp32 - precisionInt8);

  const targets: Int8Fidelity['targets'] = {};
  for (const [set, a] of Object.entries(top1Agreement)) {
    targets[`top1-${set}`] = { target: `same top-1 as fp32 on ≥ ${FIDELITY_TARGETS.top1Agreement * 100}%`, met: a.agreement >= FIDELITY_TARGETS.top1Agreement };
  }
  targets['text-to-cell-p@10'] = { target: `|ΔP@10| ≤ ${FIDELITY_TARGETS.precisionAt10AbsDiff}`, met: absDiff <= FIDELITY_TARGETS.precisionAt10AbsDiff };

  const stored = fp32.bundle.storedManifest;
  return {
    measuredAt: new Date().toISOString(),
    fp32: Object.fromEntries(GRAPH_FILES.map((g) => [g, stored.files[g]!.sha256])),
    int8: Object.fromEntries(GRAPH_FILES.map((g) => [int8FileName(g), stored.int8!.files[int8FileName(g)]!.sha256])),
    cellEmbeddingCosine,
    pMatchMaxAbsDiff: { pairs: ctmCells.length * prompts.length, value: pMatchDiff },
    top1Agreement,
    textToCellPrecisionAt10: { queries: names.length, fp32: precisionFp32, int8: precisionInt8, absDiff },
    targets,
  };
}

export function registerFidelityCommand(program: Command, config: Config, demoReference: (() => Promise<DemoReference>) | undefined): void {
  program
    .command('fidelity')
    .description("measure a bundle's int8 graphs against their fp32 twins and record it in manifest.json (LANGCELL_PRECISION=int8 needs it)")
    .requiredOption('--bundle <dir>', 'model bundle with int8 graphs (python3 -m tools.model quantize)')
    .option('--pbmc68k <file>', 'an expression file annotated by both (e.g. shared/data/pbmc68k-reduced/…counts.csr…h5ad)')
    .option('--demo-cells <n>', 'held-out demo-atlas cells', (v) => Number.parseInt(v, 10), 1200)
    .option('--pbmc-cells <n>', 'cells of --pbmc68k', (v) => Number.parseInt(v, 10), 700)
    .option('--ctm-cells <n>', 'cells whose p_match against every label is compared', (v) => Number.parseInt(v, 10), 64)
    .option('--dry-run', 'print the record, do not write it')
    .action(async (options: { bundle: string; pbmc68k?: string; demoCells: number; pbmcCells: number; ctmCells: number; dryRun?: boolean }) => {
      for (const [name, value] of Object.entries({ demoCells: options.demoCells, pbmcCells: options.pbmcCells, ctmCells: options.ctmCells })) {
        if (!Number.isInteger(value) || value < 1) throw new AtlasError('INVALID_INPUT', `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive integer`);
      }
      const log = (m: string) => process.stderr.write(`${m}\n`);
      if (!demoReference) throw new AtlasError('INVALID_INPUT', 'The demo atlas (seed/) is not available to this program; run `langcell-atlas fidelity` from the project checkout.');
      const fidelity = await measureInt8Fidelity(options.bundle, {
        ...options,
        demo: await demoReference(),
        session: { provider: config.LANGCELL_EXECUTION_PROVIDER, cpuThreads: config.LANGCELL_CPU_THREADS, log },
        log,
      });
      process.stdout.write(`${JSON.stringify(fidelity, null, 2)}\n`);
      if (!options.dryRun) {
        await recordInt8Fidelity(options.bundle, fidelity);
        log(`recorded in ${options.bundle}/manifest.json (int8.fidelity)`);
      }
    });
}
