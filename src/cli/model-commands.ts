import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { evaluateAnnotations } from '../atlas/evaluation.ts';
import { readLabelFile } from '../atlas/label-file.ts';
import type { Config } from '../config.ts';
import { AtlasError } from '../errors.ts';
import { openExpressionFile } from '../ingest/readers/index.ts';
import type { ExpressionFormat, ExpressionSource, MatrixChoice } from '../ingest/readers/types.ts';
import { tokenizeSource, type SourceTokenization, type TokenizedChunk } from '../ingest/tokenize-source.ts';
import { DEMO_BUNDLE_DIR, loadBundle } from '../model/bundle.ts';
import { CellTokenizer } from '../model/cell-tokenizer.ts';
import type { ValueKind } from '../model/expression-values.ts';
import { bundleVocabulary, loadGeneformerVocabulary, type GeneVocabulary } from '../model/gene-vocabulary.ts';
import { LangCellModel } from '../model/langcell.ts';
import { labelPrompt } from '../model/prompt.ts';
import { registerFidelityCommand } from './fidelity-command.ts';
import { openNpyWriter } from './npy.ts';
import { startProgress } from './progress.ts';

interface InputOptions {
  format?: ExpressionFormat;
  layer: MatrixChoice;
  chunkSize: number;
}

function addInputOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'input format (detected when omitted)').choices(['h5ad', '10x-mtx', '10x-h5', 'csv', 'tsv']))
    .addOption(new Option('--layer <layer>', 'matrix to read: counts = layers/counts, raw = raw/X, X, or auto (counts first)').choices(['auto', 'counts', 'raw', 'X']).default('auto'))
    .option('--chunk-size <cells>', 'cells read and encoded at a time', (v) => Number.parseInt(v, 10), 512);
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
  readonly valueKind: ValueKind;
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
    const tokenization = tokenizeSource(source, vocabulary, tokenizer);
    describeInput(source, tokenization);
    const progress = startProgress(label, source.nCells);
    let cells = 0;
    for await (const chunk of tokenization.chunks(options.chunkSize)) {
      await onChunk(chunk, source);
      cells += chunk.cellIds.length;
      progress.update(cells);
    }
    progress.stop();
    return { cells, valueKind: tokenization.valueKind() ?? 'counts' };
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

async function openModel(config: Config, bundle?: string): Promise<LangCellModel> {
  return LangCellModel.open({
    ...(bundle ?? config.LANGCELL_BUNDLE ? { bundleDir: bundle ?? config.LANGCELL_BUNDLE } : {}),
    session: { provider: config.LANGCELL_EXECUTION_PROVIDER, cpuThreads: config.LANGCELL_CPU_THREADS, log: (m) => process.stderr.write(`${m}\n`) },
    precision: config.LANGCELL_PRECISION,
    batching: { tokenBudget: config.LANGCELL_TOKEN_BUDGET, maxBatchSize: 64 },
  });
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
  registerFidelityCommand(program, config);
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
    const model = await openModel(config, options.bundle);
    const run = await writeOutput(options.out, async (path) => {
      let writer: Awaited<ReturnType<typeof openNpyWriter>> | undefined;
      const run = await forEachTokenizedChunk(file, options, bundleVocabulary(model.bundle), model.cellTokenizer, 'embed', async (chunk, source) => {
        writer ??= await openNpyWriter(path, source.nCells, model.embeddingDim);
        await writer.append((await model.embedCells(chunk.tokens)).embeddings);
      });
      await (writer ?? (await openNpyWriter(path, 0, model.embeddingDim))).close();
      return run;
    });
    process.stderr.write(`wrote ${run.cells} × ${model.embeddingDim} embeddings to ${options.out} (model ${model.id}, ${model.executionProvider})\n`);
  });

  addInputOptions(
    program
      .command('annotate <file>')
      .description('zero-shot cell-type annotation with CTM rerank over the labels of a TSV (name, ontology_id, description)')
      .requiredOption('--labels <labels.tsv>', 'candidate labels')
      .option('--truth-column <column>', 'obs column with true labels: prints accuracy and macro-F1')
      .option('--out <preds.csv>', 'per-cell predictions')
      .option('--bundle <dir>', 'model bundle (default: LANGCELL_BUNDLE or the demo bundle)')
      .option('--no-rerank', 'zero-shot only, no CTM')
      .option('--top-m <m>', 'candidates reranked by CTM per cell', (v) => Number.parseInt(v, 10), 3)
      .option('--abstain-below <confidence>', 'answer "unassigned" below this confidence', Number.parseFloat, 0),
  ).action(
    async (
      file: string,
      options: InputOptions & { labels: string; truthColumn?: string; out?: string; bundle?: string; rerank: boolean; topM: number; abstainBelow: number },
    ) => {
      const { labels } = await readLabelFile(options.labels);
      const model = await openModel(config, options.bundle);
      const labelSet = await model.labelSet(labels.map((l) => labelPrompt(l.name, l.description)));
      const checkTruthColumn = (source: ExpressionSource) => {
        if (options.truthColumn && !source.obsColumns.includes(options.truthColumn)) {
          throw new AtlasError('LABEL_COLUMN_MISSING', `${file} has no obs column "${options.truthColumn}"; it has: ${source.obsColumns.join(', ') || 'none'}`);
        }
      };
      const truth: string[] = [];
      const predicted: string[] = [];
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
      process.stdout.write(`annotated ${run.cells} cells with ${labels.length} labels (model ${model.id}, ${model.executionProvider}, rerank ${options.rerank ? `top-${options.topM}` : 'off'})\n`);
      process.stdout.write(`predicted: ${[...counts].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ')}\n`);
      if (options.truthColumn) {
        const metrics = evaluateAnnotations(truth, predicted);
        process.stdout.write(`accuracy ${metrics.accuracy.toFixed(4)}  macro-F1 ${metrics.macroF1.toFixed(4)}  (${metrics.cells} cells)\n`);
        for (const c of metrics.perClass) {
          process.stdout.write(`  ${c.label.padEnd(32)} support ${String(c.support).padStart(5)}  precision ${c.precision.toFixed(3)}  recall ${c.recall.toFixed(3)}  F1 ${c.f1.toFixed(3)}\n`);
        }
      }
    },
  );
}
