import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { evaluateAgainstTruth } from '../atlas/evaluation.ts';
import { addAtlasAnnotateOptions, annotateWithAtlas, evaluationText, matchLabelNames, type AtlasAnnotateOptions } from './annotate-commands.ts';
import { readLabelFile } from '../atlas/label-file.ts';
import type { Config } from '../config.ts';
import { AtlasError } from '../errors.ts';
import { openExpressionFile } from '../ingest/readers/index.ts';
import { inspectExpressionFile } from '../ingest/readers/inspect.ts';
import { EXPRESSION_FORMATS, MATRIX_CHOICES, type ExpressionFormat, type ExpressionSource, type MatrixChoice } from '../ingest/readers/types.ts';
import { tokenizeSource, type SourceTokenization, type TokenizedChunk } from '../ingest/tokenize-source.ts';
import { DEMO_BUNDLE_DIR, loadBundle } from '../model/bundle.ts';
import { CellTokenizer } from '../model/cell-tokenizer.ts';
import { describeReading, STATED_VALUE_TYPES, statedKind, type StatedValueType } from '../model/expression-values.ts';
import { bundleVocabulary, loadGeneformerVocabulary, type GeneVocabulary } from '../model/gene-vocabulary.ts';
import type { LangCellModel } from '../model/langcell.ts';
import { labelPrompt } from '../model/prompt.ts';
import { openModel } from '../runtime.ts';
import { registerFidelityCommand, type DemoReference } from './fidelity-command.ts';
import { openNpyWriter } from './npy.ts';
import { startProgress } from './progress.ts';

interface InputOptions {
  format?: ExpressionFormat;
  layer: MatrixChoice;
  chunkSize: number;
  values?: StatedValueType;
}

function addInputOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'input format (detected when omitted)').choices(EXPRESSION_FORMATS))
    .addOption(new Option('--layer <layer>', 'matrix to read: counts = layers/counts, raw = raw/X, X, or auto (counts first)').choices(MATRIX_CHOICES).default('auto'))
    .option('--chunk-size <cells>', 'cells read and encoded at a time', (v) => Number.parseInt(v, 10), 512)
    .addOption(new Option('--values <type>', 'how the values were produced (default: from the file or the data; ambiguous values are refused)').choices(STATED_VALUE_TYPES));
}

/** Says what was read and how its genes matched, before any cell is processed. */
function describeInput(source: ExpressionSource, tokenization: SourceTokenization): void {
  const { mapping } = tokenization;
  process.stderr.write(
    `${source.path}: ${source.nCells} cells × ${source.genes.index.length} genes from ${source.matrixLocation}; ` +
      `${mapping.matched}/${mapping.total} genes in the vocabulary via ${mapping.source}\n`,
  );
}

interface CellRun {
  readonly cells: number;
  /** How the values were read and what decided it, e.g. `log1p (count lattice)`. */
  readonly valueKind: string;
}

/**
 * The skeleton every per-cell command shares: open the input, resolve its genes, stream tokenized
 * chunks to `onChunk` with progress, and always close the input.
 */
async function forEachTokenizedChunk(
  file: string,
  options: InputOptions,
  vocabulary: GeneVocabulary,
  tokenizer: CellTokenizer,
  label: string,
  onChunk: (chunk: TokenizedChunk, source: ExpressionSource) => Promise<void>,
  checkSource: (source: ExpressionSource) => void = () => {},
): Promise<CellRun> {
  const source = await openExpressionFile(file, { ...(options.format ? { format: options.format } : {}), matrix: options.layer });
  try {
    checkSource(source);
    const tokenization = tokenizeSource(source, vocabulary, tokenizer, undefined, options.values ? { stated: statedKind(options.values) } : {});
    describeInput(source, tokenization);
    const progress = startProgress(label, source.nCells);
    let cells = 0;
    for await (const chunk of tokenization.chunks(options.chunkSize)) {
      await onChunk(chunk, source);
      cells += chunk.cellIds.length;
      progress.update(cells);
    }
    progress.stop();
    const reading = tokenization.valueReading();
    return { cells, valueKind: reading ? describeReading(reading) : 'counts (no values)' };
  } finally {
    await source.close();
  }
}

/**
 * Writes an output file under a temporary name and renames it into place only when `write`
 * succeeds, so a refused or interrupted run never leaves a half-written file behind.
 */
async function writeOutput<T>(path: string, write: (temporaryPath: string) => Promise<T>): Promise<T> {
  const temporaryPath = `${path}.partial-${process.pid}`;
  try {
    const result = await write(temporaryPath);
    await rename(temporaryPath, path);
    return result;
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}

/** The configured model, or the bundle named by --bundle. */
function openBundleModel(config: Config, bundle?: string): Promise<LangCellModel> {
  return openModel(bundle ? { ...config, LANGCELL_BUNDLE: bundle } : config, (message) => process.stderr.write(`${message}\n`));
}

async function writeLine(stream: NodeJS.WritableStream, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, 'drain');
}

async function closeStream(stream: NodeJS.WritableStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** `writeOutput` for a text stream, closed whether or not `write` succeeds. */
function writeTextOutput<T>(path: string, write: (out: NodeJS.WritableStream) => Promise<T>): Promise<T> {
  return writeOutput(path, async (temporaryPath) => {
    const out = createWriteStream(temporaryPath);
    try {
      return await write(out);
    } finally {
      await closeStream(out);
    }
  });
}

/** Cell ids, one per line (the first tab- or comma-separated field); a header "cell" is skipped. */
async function readCellList(path: string): Promise<Set<string>> {
  const ids = (await readFile(path, 'utf8')).split(/\r?\n/).map((line) => line.split(/[\t,]/)[0]!.trim());
  return new Set(ids.filter((id, i) => id !== '' && !(i === 0 && id === 'cell')));
}

/**
 * Truth values → label names of the labels file, through a TSV with `dataset_label` and `cl_id`
 * (matched to the labels' ontology ids) or `label` (a label name) columns.
 */
async function readTruthMap(path: string, labels: readonly { name: string; ontologyId: string | null }[]): Promise<Map<string, string>> {
  const [head = '', ...lines] = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = head.split('\t').map((h) => h.trim().toLowerCase());
  const from = header.indexOf('dataset_label');
  const byId = header.indexOf('cl_id');
  const byName = header.indexOf('label');
  if (from < 0 || (byId < 0 && byName < 0)) {
    throw new AtlasError('INVALID_INPUT', `${path}: --truth-map needs a dataset_label column and a cl_id or label column; found ${header.join(', ')}`);
  }
  const map = new Map<string, string>();
  for (const line of lines) {
    const cells = line.split('\t').map((c) => c.trim());
    const value = cells[from];
    if (!value || map.has(value)) continue;
    const target = byId >= 0 ? labels.find((l) => l.ontologyId === cells[byId]) : labels.find((l) => l.name === cells[byName]);
    if (target) map.set(value, target.name);
  }
  return map;
}

/** Refuses a run that needs obs columns the input does not have, naming the ones it has. */
function requireObsColumns(file: string, source: ExpressionSource, columns: readonly string[]): void {
  const missing = columns.filter((c) => !source.obsColumns.includes(c));
  if (missing.length > 0) {
    throw new AtlasError('LABEL_COLUMN_MISSING', `${file} has no obs column ${missing.map((c) => `"${c}"`).join(', ')}; it has: ${source.obsColumns.join(', ') || 'none'}`);
  }
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function registerModelCommands(program: Command, config: Config, demoReference?: () => Promise<DemoReference>): void {
  registerFidelityCommand(program, config, demoReference);
  addInputOptions(
    program
      .command('tokenize <file>')
      .description("tokenize cells as LangCell does: one JSON line per cell, <cls> first, no padding")
      .option('--vocab <dir>', "folder with Geneformer's token_dictionary.json and gene_median_dictionary.json")
      .option('--bundle <dir>', 'take the vocabulary from a model bundle (default: the demo bundle)')
      .option('--obs <columns>', 'obs columns copied into each line as "obs" (comma-separated; e.g. the label column for tools/model fewshot)')
      .requiredOption('--out <tokens.jsonl>', 'output file'),
  ).action(async (file: string, options: InputOptions & { vocab?: string; bundle?: string; obs?: string; out: string }) => {
    if (options.vocab && options.bundle) throw new AtlasError('INVALID_INPUT', 'Give either --vocab or --bundle, not both');
    const vocabulary: GeneVocabulary = options.vocab
      ? await loadGeneformerVocabulary(options.vocab)
      : bundleVocabulary(await loadBundle(options.bundle ?? config.LANGCELL_BUNDLE ?? DEMO_BUNDLE_DIR));
    const tokenizer = new CellTokenizer(vocabulary.clsId, vocabulary.maxLength);
    const obsColumns = (options.obs ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    const run = await writeTextOutput(options.out, (out) =>
      forEachTokenizedChunk(
        file,
        options,
        vocabulary,
        tokenizer,
        'tokenize',
        async (chunk) => {
          for (let i = 0; i < chunk.cellIds.length; i += 1) {
            const line: { cell: string | undefined; input_ids: number[]; obs?: Record<string, unknown> } = { cell: chunk.cellIds[i], input_ids: Array.from(chunk.tokens[i]!) };
            if (obsColumns.length > 0) line.obs = Object.fromEntries(obsColumns.map((c) => [c, chunk.obs[c]?.[i] ?? null]));
            await writeLine(out, `${JSON.stringify(line)}\n`);
          }
        },
        (source) => requireObsColumns(file, source, obsColumns),
      ),
    );
    process.stderr.write(`wrote ${run.cells} cells to ${options.out} (values read as ${run.valueKind})\n`);
  });

  addInputOptions(
    program
      .command('embed <file>')
      .description('embed cells with the cell encoder: float32 [cells, 256] .npy, rows in file order')
      .option('--bundle <dir>', 'model bundle (default: LANGCELL_BUNDLE or the demo bundle)')
      .requiredOption('--out <emb.npy>', 'output file'),
  ).action(async (file: string, options: InputOptions & { bundle?: string; out: string }) => {
    const model = await openBundleModel(config, options.bundle);
    const run = await writeOutput(options.out, async (path) => {
      let writer: Awaited<ReturnType<typeof openNpyWriter>> | undefined;
      const run = await forEachTokenizedChunk(file, options, bundleVocabulary(model.bundle), model.cellTokenizer, 'embed', async (chunk, source) => {
        writer ??= await openNpyWriter(path, source.nCells, model.embeddingDim);
        await writer.append((await model.embedCells(chunk.tokens)).embeddings);
      });
      await (writer ?? (await openNpyWriter(path, 0, model.embeddingDim))).close();
      return run;
    });
    process.stderr.write(`wrote ${run.cells} × ${model.embeddingDim} embeddings to ${options.out} (model ${model.id}, ${model.executionProvider}; values read as ${run.valueKind})\n`);
  });

  addAtlasAnnotateOptions(addInputOptions(
    program
      .command('annotate <file>')
      .description(
        "cell-type annotation of a file: against the atlas (the API's annotation-job code: zero-shot, CTM, the references' kNN vote and gene signatures in one calibrated decision; evaluation against harmonised truth), " +
          'or with --labels zero-shot with CTM rerank over the labels of a TSV (name, ontology_id, description), without a database',
      )
      .option('--labels <labels.tsv>', 'candidate labels: zero-shot without a database (without it, the atlas annotates)')
      .option('--truth-column <column>', 'obs column with true labels: prints accuracy and macro-F1')
      .option('--out <preds.csv>', 'per-cell predictions')
      .option('--bundle <dir>', 'model bundle (default: LANGCELL_BUNDLE or the demo bundle)')
      .option('--no-rerank', 'zero-shot only, no CTM')
      .option('--top-m <m>', 'candidates reranked by CTM per cell', (v) => Number.parseInt(v, 10), 3)
      .option('--abstain-below <confidence>', 'answer "unassigned" below this confidence (default LANGCELL_ABSTAIN_BELOW, as the server)', Number.parseFloat, config.LANGCELL_ABSTAIN_BELOW)
      .option('--alpha <alpha>', "zero-shot weight in the fused score (default: the bundle's scoring.alpha)", Number.parseFloat)
      .option('--only-cells <file>', 'annotate only these cells: one id per line (the first column of a TSV; a "cell" header is skipped)')
      .option('--truth-map <tsv>', 'maps truth values to labels: columns dataset_label and cl_id (or label), e.g. dataset_label_to_cl.tsv')
      .addOption(
        new Option('--decide-by <source>', 'the answer: fused zero-shot + CTM (LangCell), or the fine-tuned classifier of the bundle').choices(['fused', 'classifier']).default('fused'),
      ),
  ), ['format', 'layer', 'values', 'out', 'top-m', 'no-rerank', 'truth-map']).action(
    async (
      file: string,
      options: InputOptions &
        AtlasAnnotateOptions & {
          labels?: string;
          truthColumn?: string;
          out?: string;
          bundle?: string;
          rerank: boolean;
          topM: number;
          abstainBelow: number;
          onlyCells?: string;
          truthMap?: string;
          alpha?: number;
          decideBy: 'fused' | 'classifier';
        },
    ) => {
      if (options.labels === undefined) return annotateWithAtlas(file, options, { ...config, LANGCELL_ABSTAIN_BELOW: options.abstainBelow });
      const { labels } = await readLabelFile(options.labels);
      const model = await openBundleModel(config, options.bundle);
      const labelSet = await model.labelSet(labels.map((l) => labelPrompt(l.name, l.description)));
      if (options.alpha !== undefined && !(options.alpha >= 0 && options.alpha <= 1)) throw new AtlasError('INVALID_INPUT', `--alpha must be within [0, 1], got ${options.alpha}`);
      if (options.decideBy === 'classifier' && !model.hasClassifier) {
        throw new AtlasError('INVALID_INPUT', `--decide-by classifier: bundle ${model.id} has no cell_classifier.onnx (make one with tools/model finetune)`);
      }
      // The classifier's classes as label names of the labels file (matched by ontology id, then name).
      const classifierNames = model.classifierClasses.map((c) => (labels.find((l) => c.ontologyId !== null && l.ontologyId === c.ontologyId) ?? labels.find((l) => l.name === c.name))?.name ?? c.name);
      const onlyCells = options.onlyCells ? await readCellList(options.onlyCells) : null;
      const truthMap = options.truthMap ? await readTruthMap(options.truthMap, labels) : null;
      const classifierPredicted: string[] = [];
      const fusedPredicted: string[] = [];
      const checkTruthColumn = (source: ExpressionSource) => {
        if (options.truthColumn && !source.obsColumns.includes(options.truthColumn)) {
          throw new AtlasError('LABEL_COLUMN_MISSING', `${file} has no obs column "${options.truthColumn}"; it has: ${source.obsColumns.join(', ') || 'none'}`);
        }
      };
      const truth: string[] = [];
      const predicted: string[] = [];
      const bests: { best: string; confidence: number }[] = [];
      const annotate = async (out?: NodeJS.WritableStream) => {
        const classifierHeader = model.hasClassifier ? ',classifier_label,classifier_probability,classifier_p_fused_best' : '';
        if (out) await writeLine(out, `cell,predicted,confidence,best,zero_shot,p_match${classifierHeader}${options.truthColumn ? ',truth' : ''}\n`);
        return forEachTokenizedChunk(
          file,
          options,
          bundleVocabulary(model.bundle),
          model.cellTokenizer,
          'annotate',
          async (chunk) => {
            const rows = chunk.cellIds.flatMap((id, i) => (onlyCells === null || onlyCells.has(id) ? [i] : []));
            const tokens = rows.map((i) => chunk.tokens[i]!);
            const decisions = await model.annotateCells(tokens, labelSet, {
              rerank: options.rerank,
              topM: options.topM,
              abstainBelow: options.abstainBelow,
              ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
            });
            const k = classifierNames.length;
            const probabilities = model.hasClassifier ? await model.classifyCells(tokens) : null;
            for (let r = 0; r < decisions.length; r += 1) {
              const i = rows[r]!;
              const decision = decisions[r]!;
              const best = decision.scores[0]!;
              const fusedName = decision.label === null ? 'unassigned' : labels[decision.label]!.name;
              let classifierFields: string[] = [];
              let name = fusedName;
              let confidence = decision.confidence;
              if (probabilities) {
                const row = probabilities.subarray(r * k, (r + 1) * k);
                const top = row.indexOf(Math.max(...row));
                const atFusedBest = classifierNames.indexOf(labels[decision.best]!.name);
                classifierPredicted.push(classifierNames[top]!);
                classifierFields = [classifierNames[top]!, row[top]!.toFixed(4), atFusedBest >= 0 ? row[atFusedBest]!.toFixed(4) : ''];
                if (options.decideBy === 'classifier') {
                  name = classifierNames[top]!;
                  confidence = row[top]!;
                }
              }
              predicted.push(name);
              fusedPredicted.push(fusedName);
              bests.push({ best: options.decideBy === 'classifier' ? name : labels[decision.best]!.name, confidence });
              const rawTruth = options.truthColumn ? String(chunk.obs[options.truthColumn]?.[i] ?? '') : undefined;
              const trueLabel = rawTruth !== undefined && truthMap ? (truthMap.get(rawTruth) ?? rawTruth) : rawTruth;
              if (trueLabel !== undefined) truth.push(trueLabel);
              if (out) {
                const fields = [chunk.cellIds[i]!, name, confidence.toFixed(4), labels[decision.best]!.name, best.zeroShot.toFixed(4), best.pMatch?.toFixed(4) ?? '', ...classifierFields];
                if (trueLabel !== undefined) fields.push(trueLabel);
                await writeLine(out, `${fields.map(csvField).join(',')}\n`);
              }
            }
          },
          checkTruthColumn,
        );
      };
      const run = options.out ? await writeTextOutput(options.out, annotate) : await annotate();
      const counts = new Map<string, number>();
      for (const name of predicted) counts.set(name, (counts.get(name) ?? 0) + 1);
      process.stdout.write(
        `annotated ${predicted.length} of ${run.cells} cells with ${labels.length} labels (model ${model.id}, ${model.executionProvider}, rerank ${options.rerank ? `top-${options.topM}` : 'off'}, ` +
          `decided by ${options.decideBy}; values read as ${run.valueKind}; abstain below ${options.abstainBelow})\n`,
      );
      process.stdout.write(`predicted: ${[...counts].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ')}\n`);
      if (options.truthColumn) {
        // Truth (after --truth-map) is matched to the file's labels by name, synonym or ontology id, never as raw strings.
        const mapping = matchLabelNames([...labels, ...classifierNames.map((name) => ({ name }))], truth);
        const evaluate = (answers: readonly string[]) =>
          evaluateAgainstTruth(
            truth.map((t, i) => ({ truth: t, label: answers[i] === 'unassigned' ? null : answers[i]!, bestLabel: bests[i]!.best, confidence: bests[i]!.confidence, novelty: 1 - bests[i]!.confidence })),
            mapping,
            () => null,
          );
        process.stdout.write(`\n${evaluationText(evaluate(predicted))}`);
        if (model.hasClassifier) {
          // Each evidence source on its own: the classifier's answers next to the fused zero-shot + CTM ones.
          const other = options.decideBy === 'classifier' ? 'fused' : 'classifier';
          const otherMetrics = evaluate(options.decideBy === 'classifier' ? fusedPredicted : classifierPredicted).fine;
          process.stdout.write(`${other} alone: accuracy ${otherMetrics.accuracy.toFixed(4)}  macro-F1 ${otherMetrics.macroF1.toFixed(4)}\n`);
        }
      }
    },
  );

  program
    .command('inspect <path>')
    .description('what a reader finds in an expression file: format, matrix, shape, value range, gene and cell columns')
    .addOption(new Option('--layer <layer>', 'matrix to read (auto: counts first)').choices(MATRIX_CHOICES).default('auto'))
    .option('--chunk-size <cells>', 'cells read at a time', (v) => Number.parseInt(v, 10), 256)
    .option('--genes-as-rows', 'CSV/TSV: genes are rows, cells are columns')
    .option('--cells-as-rows', 'CSV/TSV: cells are rows, genes are columns')
    .action(async (path: string, options: { layer: MatrixChoice; chunkSize: number; genesAsRows?: boolean; cellsAsRows?: boolean }) => {
      if (options.genesAsRows && options.cellsAsRows) throw new AtlasError('INVALID_INPUT', 'Give --genes-as-rows or --cells-as-rows, not both.');
      const genesAsRows = options.genesAsRows ? true : options.cellsAsRows ? false : undefined;
      await inspectExpressionFile(path, { matrix: options.layer, ...(genesAsRows === undefined ? {} : { genesAsRows }) }, options.chunkSize, (line) =>
        process.stdout.write(`${line}\n`),
      );
    });
}
