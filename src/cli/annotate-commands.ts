/**
 * The atlas-backed file annotation commands: `annotate FILE` (without --labels) and `evaluate FILE
 * --truth-column C`. They run the API's annotation-job code (atlas/annotate-file.ts) in this process
 * through the Atlas: the same validation, value reading, decision and evaluation. They print how the
 * values were read, the label counts and — with a truth column — the per-class table and confusion
 * matrix, and save per-cell results (--out CSV) and the report (--report JSON or Markdown).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { annotateQueryFile, evaluateRows, openQueryFile, type AnnotateFileRequest } from '../atlas/annotate-file.ts';
import { RESULTS_CSV_HEADER, resultCsvLine } from '../atlas/annotation-jobs.ts';
import { lacksType, UNASSIGNED, type Evaluation, type LevelMetrics, type TruthMapping } from '../atlas/evaluation.ts';
import { normaliseLabel } from '../atlas/harmonise.ts';
import type { DecisionFit } from '../atlas/decider.ts';
import type { AnnotationResultRecord } from '../atlas/types.ts';
import type { Config } from '../config.ts';
import { AtlasError } from '../errors.ts';
import { EXPRESSION_FORMATS, MATRIX_CHOICES, type ExpressionFormat, type MatrixChoice } from '../ingest/readers/types.ts';
import { readLabelMapFile } from '../ingest/label-map-file.ts';
import { STATED_VALUE_TYPES, type StatedValueType } from '../model/expression-values.ts';
import { openConfiguredAtlas } from './open-atlas.ts';
import { startProgress } from './progress.ts';

export interface AtlasAnnotateOptions {
  format?: ExpressionFormat;
  layer: MatrixChoice;
  values?: StatedValueType;
  truthColumn?: string;
  out?: string;
  report?: string;
  candidates?: string;
  truthMap?: string;
  adapter?: string;
  k: number;
  rerank: boolean;
  topM: number;
}

const log = (message: string) => process.stderr.write(`${message}\n`);

function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((v, c) => String(v).padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}

const fixed = (value: number | null, digits = 4) => (value === null ? '–' : value.toFixed(digits));

function levelSummary(name: string, level: LevelMetrics): string {
  return (
    `${name}: ${level.cells} cells  accuracy ${fixed(level.accuracy)}  macro-F1 ${fixed(level.macroF1)}  ` +
    `accuracy on assigned ${fixed(level.assignedAccuracy)}  abstained ${fixed(level.abstentionRate)}` +
    (level.ece === null ? '' : `  ECE ${fixed(level.ece)}`)
  );
}

/** The per-class table and the confusion matrix of one level, as plain text. */
export function levelTables(level: LevelMetrics): string {
  const perClass: (string | number)[][] = [['class', 'support', 'precision', 'recall', 'F1']];
  for (const c of level.perClass) perClass.push([c.label, c.support, fixed(c.precision, 3), fixed(c.recall, 3), fixed(c.f1, 3)]);
  const confusion: (string | number)[][] = [['truth \\ predicted', ...level.confusion.predicted]];
  level.confusion.truth.forEach((truth, i) => confusion.push([truth, ...level.confusion.counts[i]!]));
  return `${table(perClass)}\nconfusion matrix (rows: truth, columns: prediction):\n${table(confusion)}`;
}

/** How a truth label was mapped, in words: the method, with the text similarity for EMBEDDING. */
function howMapped(mapping: TruthMapping): string {
  if (lacksType(mapping)) return `${mapping.ontologyId}: a cell type the catalogue lacks (scored as novel)`;
  return mapping.method === 'EMBEDDING' && mapping.score !== null ? `EMBEDDING (text similarity ${mapping.score.toFixed(3)})` : mapping.method;
}

/** Said before the figures when the reference holds the evaluated cells themselves. */
export function referenceWarning(evaluation: Evaluation): string | null {
  const cells = evaluation.truthMapping.reduce((sum, m) => sum + m.cells, 0);
  if (!evaluation.cellsInReference) return null;
  return (
    `warning: ${evaluation.cellsInReference} of ${cells} cells are in the reference themselves (each one's nearest reference cell has its barcode): ` +
    `the figures below are optimistic. Evaluate on cells the reference does not hold (e.g. ingest one half of a labelled file, evaluate the other).`
  );
}

/** Everything a person reads of an evaluation, as plain text. */
export function evaluationText(evaluation: Evaluation): string {
  const parts: string[] = [];
  const warning = referenceWarning(evaluation);
  if (warning) parts.push(`${warning}\n`);
  if (evaluation.truthMapping.length > 0) {
    const rows: (string | number)[][] = [['truth label', 'cells', 'scored as', 'how']];
    for (const m of evaluation.truthMapping) rows.push([m.truth || '(empty)', m.cells, m.label ?? '(not scored)', howMapped(m)]);
    parts.push(`truth labels as the catalogue reads them (check the EMBEDDING rows; --truth-map fixes any):\n${table(rows)}\n`);
  }
  if (evaluation.unmappedTruth.length > 0) {
    parts.push(
      `truth labels not mapped to the catalogue (not scored): ${evaluation.unmappedTruth.map((u) => `${u.label || '(empty)'} ${u.cells}`).join(', ')}\n`,
    );
  }
  if (evaluation.fine.cells === 0) {
    // Nothing to score is said in words, never as accuracy 0.0000 over no cells.
    parts.push(`no cell's truth is a label among the candidates: there is no accuracy to report${evaluation.novelty ? ' (the novel types are below)' : ''}\n`);
  } else {
    parts.push(`${levelSummary('fine', evaluation.fine)}\n\n${levelTables(evaluation.fine)}`);
    if (evaluation.coarse) parts.push(`\n${levelSummary('coarse', evaluation.coarse)}\n\n${levelTables(evaluation.coarse)}`);
    const reliability: (string | number)[][] = [['confidence', 'cells', 'mean confidence', 'accuracy']];
    for (const bin of evaluation.fine.reliability) reliability.push([`${bin.lower.toFixed(1)}–${bin.upper.toFixed(1)}`, bin.cells, fixed(bin.confidence, 3), fixed(bin.accuracy, 3)]);
    parts.push(`\nreliability (fine):\n${table(reliability)}`);
    const coverage: (string | number)[][] = [['abstain below', 'coverage', 'accuracy']];
    for (const point of evaluation.fine.riskCoverage) coverage.push([point.threshold.toFixed(1), fixed(point.coverage, 3), fixed(point.accuracy, 3)]);
    parts.push(`\nrisk–coverage (fine; NOVEL and TOO_FEW_GENES cells are never answered):\n${table(coverage)}`);
  }
  if (evaluation.novelty) {
    const n = evaluation.novelty;
    parts.push(
      `\nnovel types (truth absent from the candidates): ${n.novelCells} cells, AUROC ${fixed(n.auroc)}, ` +
        `unassigned ${fixed(n.novelUnassigned, 3)} of novel vs ${fixed(n.knownUnassigned, 3)} of known cells\n`,
    );
  }
  return parts.join('');
}

function markdownTable(rows: readonly (readonly (string | number)[])[]): string {
  const [head, ...body] = rows;
  return [`| ${head!.join(' | ')} |`, `|${head!.map(() => ' --- ').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

function markdownLevel(name: string, level: LevelMetrics): string {
  const perClass = [['class', 'support', 'precision', 'recall', 'F1'], ...level.perClass.map((c) => [c.label, c.support, fixed(c.precision, 3), fixed(c.recall, 3), fixed(c.f1, 3)])];
  const confusion = [['truth \\ predicted', ...level.confusion.predicted], ...level.confusion.truth.map((t, i) => [t, ...level.confusion.counts[i]!])];
  return `## ${name}\n\n${levelSummary(name, level)}\n\n${markdownTable(perClass)}\n### Confusion matrix\n\n${markdownTable(confusion)}\n`;
}

interface Report {
  readonly file: string;
  readonly valuesReadAs: string;
  readonly cells: number;
  readonly labelCounts: readonly { label: string; cells: number }[];
  readonly evaluation: Evaluation | null;
}

function reportMarkdown(report: Report): string {
  const lines = [`# Annotation of ${report.file}`, '', `${report.cells} cells; values read as ${report.valuesReadAs}.`, ''];
  lines.push(markdownTable([['label', 'cells'], ...report.labelCounts.map((c) => [c.label, c.cells])]));
  if (report.evaluation) {
    const e = report.evaluation;
    const warning = referenceWarning(e);
    if (warning) lines.push(`**${warning}**`, '');
    if (e.truthMapping.length > 0) {
      lines.push('## Truth labels', '', markdownTable([['truth label', 'cells', 'scored as', 'how'], ...e.truthMapping.map((m) => [m.truth || '(empty)', m.cells, m.label ?? '(not scored)', howMapped(m)])]));
    }
    if (e.unmappedTruth.length > 0) lines.push(`Unmapped truth labels (not scored): ${e.unmappedTruth.map((u) => `${u.label || '(empty)'} (${u.cells})`).join(', ')}.`, '');
    if (e.fine.cells === 0) lines.push("No cell's truth is a label among the candidates: there is no accuracy to report.", '');
    else {
      lines.push(markdownLevel('fine', e.fine));
      if (e.coarse) lines.push(markdownLevel('coarse', e.coarse));
    }
    if (e.novelty) {
      const n = e.novelty;
      lines.push(`Novel types (truth absent from the candidates): ${n.novelCells} cells, AUROC ${fixed(n.auroc)}, unassigned ${fixed(n.novelUnassigned, 3)} of novel vs ${fixed(n.knownUnassigned, 3)} of known cells.`, '');
    }
  }
  return lines.join('\n');
}

async function writeAtomically(path: string, write: (temporaryPath: string) => Promise<void>): Promise<void> {
  const temporaryPath = `${path}.partial-${process.pid}`;
  try {
    await write(temporaryPath);
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}

/** For the database-free mode: truth strings matched to a label file's names, synonyms or ontology ids (as harmonisation normalises them). */
export function matchLabelNames(
  labels: readonly { name: string; synonyms?: readonly string[]; ontologyId?: string | null }[],
  truths: readonly string[],
): Map<string, TruthMapping> {
  const byKey = new Map<string, string>();
  for (const label of labels) {
    for (const name of [label.name, ...(label.synonyms ?? []), ...(label.ontologyId ? [label.ontologyId] : [])]) if (!byKey.has(normaliseLabel(name))) byKey.set(normaliseLabel(name), label.name);
  }
  return new Map(
    truths.map((truth) => {
      const label = byKey.get(normaliseLabel(truth)) ?? null;
      return [truth, { label, coarse: null, method: label === null ? 'UNMAPPED' : 'NAME', score: null }];
    }),
  );
}

/** Annotates a file against the configured atlas, prints and saves what the options ask for. */
export async function annotateWithAtlas(file: string, options: AtlasAnnotateOptions, config: Config): Promise<void> {
  const request: AnnotateFileRequest = {
    path: file,
    k: options.k,
    rerank: options.rerank,
    topM: options.topM,
    layer: options.layer,
    ...(options.format ? { format: options.format } : {}),
    ...(options.values ? { valueType: options.values } : {}),
    ...(options.truthColumn ? { truthColumn: options.truthColumn } : {}),
    ...(options.truthMap ? { truthMap: Object.fromEntries(await readLabelMapFile(options.truthMap)) } : {}),
    ...(options.candidates ? { candidates: options.candidates.split(',').map((name) => name.trim()).filter((name) => name.length > 0) } : {}),
    ...(options.adapter ? { adapter: options.adapter } : {}),
  };
  const atlas = await openConfiguredAtlas(config, { serving: false, log });
  try {
    const parts = atlas.fileAnnotationParts();
    const query = await openQueryFile(parts, request);
    const rows: AnnotationResultRecord[] = [];
    // Written under a temporary name and renamed into place only when every cell is in it.
    const partial = options.out === undefined ? undefined : `${options.out}.partial-${process.pid}`;
    try {
      log(`${query.request.path}: ${query.source.nCells} cells from ${query.source.matrixLocation}; values read as ${query.valuesReadAs}`);
      const progress = startProgress('annotate', query.source.nCells);
      const out = partial === undefined ? undefined : createWriteStream(partial);
      try {
        out?.write(`${RESULTS_CSV_HEADER}\n`);
        await annotateQueryFile(parts, query, async (slice) => {
          rows.push(...slice);
          if (out && !out.write(slice.map((r) => `${resultCsvLine(r)}\n`).join(''))) await once(out, 'drain');
          progress.update(rows.length);
        });
        progress.stop();
      } finally {
        if (out) {
          out.end();
          await once(out, 'finish');
        }
      }
      if (partial !== undefined) await rename(partial, options.out!);
    } catch (error) {
      if (partial !== undefined) await rm(partial, { force: true });
      throw error;
    } finally {
      await query.close();
    }
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.label ?? UNASSIGNED, (counts.get(row.label ?? UNASSIGNED) ?? 0) + 1);
    const labelCounts = [...counts].map(([label, cells]) => ({ label, cells })).sort((a, b) => b.cells - a.cells || a.label.localeCompare(b.label));
    const reasons = new Map<string, number>();
    for (const row of rows) if (row.reason) reasons.set(row.reason, (reasons.get(row.reason) ?? 0) + 1);
    process.stdout.write(
      `annotated ${rows.length} cells of ${file} (values read as ${query.valuesReadAs}; abstain below ${config.LANGCELL_ABSTAIN_BELOW}, LANGCELL_ABSTAIN_BELOW)\n` +
        `genes: ${query.genes.matched} of the file's ${query.genes.total} are in the model's vocabulary (matched by ${query.genes.source}); only those are read\n` +
        `labels: ${labelCounts.map((c) => `${c.label} ${c.cells}`).join(', ')}\n` +
        (reasons.size ? `${UNASSIGNED} because: ${[...reasons].sort((a, b) => b[1] - a[1]).map(([reason, cells]) => `${reason} ${cells}`).join(', ')}\n` : '') +
        (reasons.has('TOO_FEW_GENES') ? `TOO_FEW_GENES: the model knows fewer of those cells' genes than ${fewestGenes(await atlas.decision())} (half of what this reference's sparsest 1% of cells have): they are not judged\n` : ''),
    );
    const evaluation = options.truthColumn === undefined ? null : await evaluateRows(parts, rows, request.candidates, request.truthMap);
    if (evaluation) process.stdout.write(`\n${evaluationText(evaluation)}`);
    if (options.out) log(`wrote ${rows.length} per-cell results to ${options.out}`);
    if (options.report) {
      const report: Report = { file, valuesReadAs: query.valuesReadAs, cells: rows.length, labelCounts, evaluation };
      const text = options.report.endsWith('.md') ? reportMarkdown(report) : `${JSON.stringify(report, null, 2)}\n`;
      await writeAtomically(options.report, (temporaryPath) => writeFile(temporaryPath, text));
      log(`wrote the report to ${options.report}`);
    }
  } finally {
    await atlas.close();
  }
}

/** The fewest known genes a cell needs against this reference, in words. */
function fewestGenes(fit: DecisionFit | null): string {
  return fit?.novelty ? String(Math.ceil(fit.novelty.minGenes)) : 'the reference needs';
}

/** Options `annotate` (atlas mode) and `evaluate` share. */
export function addAtlasAnnotateOptions(command: Command, skip: readonly string[] = []): Command {
  const add = (name: string, option: Option) => (skip.includes(name) ? command : command.addOption(option));
  add('format', new Option('--format <format>', 'input format (detected when omitted)').choices(EXPRESSION_FORMATS));
  add('layer', new Option('--layer <layer>', 'matrix to read: counts = layers/counts, raw = raw/X, X, or auto (counts first)').choices(MATRIX_CHOICES).default('auto'));
  add('values', new Option('--values <type>', 'how the values were produced (default: from the file or the data; ambiguous values are refused)').choices(STATED_VALUE_TYPES));
  add('out', new Option('--out <results.csv>', 'per-cell results (row, cell, label, best_label, status, reason, confidence, truth, neighbor_cell_ids)'));
  add('report', new Option('--report <report.json|report.md>', 'label counts and evaluation as JSON, or Markdown when the name ends in .md'));
  add('truth-map', new Option('--truth-map <map.tsv>', 'truth label → catalogue label name or CL id (e.g. dataset_label_to_cl.tsv); wins over the automatic harmonisation'));
  add('candidates', new Option('--candidates <names>', 'comma-separated label names to choose from (default: every label of the atlas)'));
  add('adapter', new Option('--adapter <name>', 'a few-shot adapter (`adapt`) whose probabilities join the evidence'));
  add('k', new Option('--k <k>', 'reference neighbours for the kNN vote').argParser((v) => Number.parseInt(v, 10)).default(25));
  add('top-m', new Option('--top-m <m>', 'candidates reranked by CTM per cell').argParser((v) => Number.parseInt(v, 10)).default(3));
  add('no-rerank', new Option('--no-rerank', 'zero-shot only, no CTM'));
  return command;
}

export function registerAnnotateCommands(program: Command, config: Config): void {
  addAtlasAnnotateOptions(
    program
      .command('evaluate <file>')
      .description("annotate a labelled file against the atlas and score it against its truth column (harmonised to the catalogue's labels)")
      .requiredOption('--truth-column <column>', 'obs column with the true cell types'),
  ).action(async (file: string, options: AtlasAnnotateOptions) => {
    if (!options.truthColumn) throw new AtlasError('INVALID_INPUT', 'evaluate needs --truth-column.');
    await annotateWithAtlas(file, options, config);
  });
}
