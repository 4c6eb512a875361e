import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { evaluateAnnotations } from '../atlas/evaluation.ts';
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

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function registerModelCommands(program: Command, config: Config): void {
  addInputOptions(
    program
      .command('tokenize <file>')
      .description("tokenize cells as LangCell does: one JSON line per cell, <cls> first, no padding")
      .option('--vocab <dir>', "folder with Geneformer's token_dictionary.json and gene_median_dictionary.json")
      .option('--bundle <dir>', 'take the vocabulary from a model bundle (default: the demo bundle)')
      .requiredOption('--out <tokens.jsonl>', 'output file'),
  ).action(async (file: string, options: InputOptions & { vocab?: string; bundle?: string; out: string }) => {
    if (options.vocab && options.bundle) throw new AtlasError('INVALID_INPUT', 'Give either --vocab or --bundle, not both');
    const vocabulary: GeneVocabulary = options.vocab
      ? await loadGeneformerVocabulary(options.vocab)
      : bundleVocabulary(await loadBundle(options.bundle ?? config.LANGCELL_BUNDLE ?? DEMO_BUNDLE_DIR));
    const tokenizer = new CellTokenizer(vocabulary.clsId, vocabulary.maxLength);
    const run = await writeTextOutput(options.out, (out) =>
      forEachTokenizedChunk(file, options, vocabulary, tokenizer, 'tokenize', async (chunk) => {
        for (let i = 0; i < chunk.cellIds.length; i += 1) {
          await writeLine(out, `${JSON.stringify({ cell: chunk.cellIds[i], input_ids: Array.from(chunk.tokens[i]!) })}\n`);
        }
      }),
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
        "cell-type annotation of a file: against the atlas (the API's annotation-job code: kNN over its references, evaluation against harmonised truth), " +
          'or with --labels zero-shot with CTM rerank over the labels of a TSV (name, ontology_id, description), without a database',
      )
      .option('--labels <labels.tsv>', 'candidate labels: zero-shot without a database (without it, the atlas annotates)')
      .option('--truth-column <column>', 'obs column with true labels: prints accuracy and macro-F1')
      .option('--out <preds.csv>', 'per-cell predictions')
      .option('--bundle <dir>', 'model bundle (default: LANGCELL_BUNDLE or the demo bundle)')
      .option('--no-rerank', 'zero-shot only, no CTM')
      .option('--top-m <m>', 'candidates reranked by CTM per cell', (v) => Number.parseInt(v, 10), 3)
      .option('--abstain-below <confidence>', 'answer "unassigned" below this confidence (default LANGCELL_ABSTAIN_BELOW, as the server)', Number.parseFloat, config.LANGCELL_ABSTAIN_BELOW),
  ), ['format', 'layer', 'values', 'out', 'top-m', 'no-rerank']).action(
    async (
      file: string,
      options: InputOptions & AtlasAnnotateOptions & { labels?: string; truthColumn?: string; out?: string; bundle?: string; rerank: boolean; topM: number; abstainBelow: number },
    ) => {
      if (options.labels === undefined) return annotateWithAtlas(file, options, { ...config, LANGCELL_ABSTAIN_BELOW: options.abstainBelow });
      const { labels } = await readLabelFile(options.labels);
      const model = await openBundleModel(config, options.bundle);
      const labelSet = await model.labelSet(labels.map((l) => labelPrompt(l.name, l.description)));
      const checkTruthColumn = (source: ExpressionSource) => {
        if (options.truthColumn && !source.obsColumns.includes(options.truthColumn)) {
          throw new AtlasError('LABEL_COLUMN_MISSING', `${file} has no obs column "${options.truthColumn}"; it has: ${source.obsColumns.join(', ') || 'none'}`);
        }
      };
      const truth: string[] = [];
      const predicted: string[] = [];
      const bests: { best: string; confidence: number }[] = [];
      const annotate = async (out?: NodeJS.WritableStream) => {
        if (out) await writeLine(out, `cell,predicted,confidence,best,zero_shot,p_match${options.truthColumn ? ',truth' : ''}\n`);
        return forEachTokenizedChunk(
          file,
          options,
          bundleVocabulary(model.bundle),
          model.cellTokenizer,
          'annotate',
          async (chunk) => {
            const decisions = await model.annotateCells(chunk.tokens, labelSet, { rerank: options.rerank, topM: options.topM, abstainBelow: options.abstainBelow });
            for (let i = 0; i < decisions.length; i += 1) {
              const decision = decisions[i]!;
              const best = decision.scores[0]!;
              const name = decision.label === null ? 'unassigned' : labels[decision.label]!.name;
              predicted.push(name);
              bests.push({ best: labels[decision.best]!.name, confidence: decision.confidence });
              const trueLabel = options.truthColumn ? String(chunk.obs[options.truthColumn]?.[i] ?? '') : undefined;
              if (trueLabel !== undefined) truth.push(trueLabel);
              if (out) {
                const fields = [chunk.cellIds[i]!, name, decision.confidence.toFixed(4), labels[decision.best]!.name, best.zeroShot.toFixed(4), best.pMatch?.toFixed(4) ?? ''];
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
        `annotated ${run.cells} cells with ${labels.length} labels (model ${model.id}, ${model.executionProvider}, rerank ${options.rerank ? `top-${options.topM}` : 'off'}; ` +
          `values read as ${run.valueKind}; abstain below ${options.abstainBelow})\n`,
      );
      process.stdout.write(`predicted: ${[...counts].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ')}\n`);
      if (options.truthColumn) {
        // Truth is matched to the file's labels by name, synonym or ontology id (case and punctuation aside), never as raw strings.
        const evaluation = evaluateAnnotations(
          truth.map((t, i) => ({ truth: t, label: predicted[i] === 'unassigned' ? null : predicted[i]!, bestLabel: bests[i]!.best, confidence: bests[i]!.confidence, novelty: 1 - bests[i]!.confidence })),
          matchLabelNames(labels, truth),
          () => null,
        );
        process.stdout.write(`\n${evaluationText(evaluation)}`);
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
