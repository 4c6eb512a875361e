/**
 * Annotating a whole query file: the code the API's annotation jobs and the CLI's `annotate` and
 * `evaluate` share. The file is validated up front (cells, genes, truth column, how its values are
 * read — refused rather than guessed), then tokenized chunk by chunk and annotated with the same
 * decision as `annotateCell` (`Atlas.annotateTokens`); the per-cell rows go to the caller (stored by
 * a job, written by the CLI). With a truth column the rows are evaluated against harmonised truth.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AtlasError } from '../errors.ts';
import { openExpressionFile } from '../ingest/readers/index.ts';
import { EXPRESSION_FORMATS, MATRIX_CHOICES, type ExpressionSource, type OpenOptions } from '../ingest/readers/types.ts';
import { sourceValueGuard, tokenizeSource } from '../ingest/tokenize-source.ts';
import { describeReading, STATED_VALUE_TYPES, statedKind, type ValueReading } from '../model/expression-values.ts';
import { bundleVocabulary } from '../model/gene-vocabulary.ts';
import type { LangCellModel } from '../model/langcell.ts';
import type { AnnotationResultRecord } from '../store/records.ts';
import { evaluateAgainstTruth, type Evaluation } from './evaluation.ts';
import { HELD_BACK_REASONS } from './annotate.ts';
import type { Annotation, AnnotateCellOptions, LabelRecord } from './types.ts';

/** What annotating a file is asked to do; stored with a job as JSON and parsed again when a worker takes it. */
export const annotateFileRequestSchema = z.object({
  path: z.string().min(1),
  format: z.enum(EXPRESSION_FORMATS).optional(),
  layer: z.enum(MATRIX_CHOICES).optional(),
  genesAsRows: z.boolean().optional(),
  /** An obs column holding each cell's true label: the results are then evaluated. */
  truthColumn: z.string().min(1).optional(),
  valueType: z.enum(STATED_VALUE_TYPES).optional(),
  candidates: z.array(z.string().min(1)).min(1).optional(),
  /** Truth label → catalogue label name or ontology id (a mapping file's rows); wins over the automatic rules. */
  truthMap: z.record(z.string(), z.string()).optional(),
  k: z.number().int().min(1),
  rerank: z.boolean(),
  topM: z.number().int().min(1),
  /** A few-shot adapter by name (`adapt`): its probabilities join the evidence. */
  adapter: z.string().min(1).optional(),
});

export type AnnotateFileRequest = Readonly<z.infer<typeof annotateFileRequestSchema>>;

/** What annotating needs of the atlas. */
export interface FileAnnotationParts {
  readonly model: LangCellModel;
  annotateTokens(tokens: readonly Int32Array[], options: AnnotateCellOptions, onProgress?: (done: number) => void): Promise<Annotation[]>;
  labels(): Promise<LabelRecord[]>;
  /** Label strings as catalogue labels with coarse classes (atlas/label-maps.ts); `explicit` wins over the rules. */
  harmoniseLabels(
    sources: readonly string[],
    explicit?: ReadonlyMap<string, string>,
  ): Promise<Map<string, { readonly label: LabelRecord | null; readonly coarse: string | null; readonly method: string; readonly score: number | null; readonly ontologyId: string | null }>>;
  /** Refuses an adapter that does not exist or no longer fits the atlas (NOT_FOUND, ADAPTER_STALE). */
  checkAdapter(name: string): Promise<void>;
  /** External ids (barcodes) of reference cells by id. */
  externalIds(ids: readonly number[]): Promise<Map<number, string>>;
}

/** A validated query file, open for reading. */
export interface QueryFile {
  readonly source: ExpressionSource;
  readonly request: AnnotateFileRequest;
  readonly reading: ValueReading;
  /** e.g. `log1p (count lattice)`: said in every answer about the file. */
  readonly valuesReadAs: string;
  /** How the file's genes met the model's vocabulary, e.g. 22 of 136 by column gene_ids (Ensembl). */
  readonly genes: { readonly matched: number; readonly total: number; readonly source: string };
  close(): Promise<void>;
}

/** Cells tokenized, annotated and handed over at a time. */
const SLICE_CELLS = 256;

export function parseAnnotateFileRequest(given: unknown): AnnotateFileRequest {
  const parsed = annotateFileRequestSchema.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  throw new AtlasError('INVALID_INPUT', `Annotation request: ${field}: ${issue.message}`, { field });
}

function openOptions(request: AnnotateFileRequest): OpenOptions {
  return {
    ...(request.format ? { format: request.format } : {}),
    ...(request.layer && request.layer !== 'auto' ? { matrix: request.layer } : {}),
    ...(request.genesAsRows !== undefined ? { genesAsRows: request.genesAsRows } : {}),
  };
}

/** Refuses candidate names the catalogue does not have, before any cell is read. */
async function checkCandidates(parts: FileAnnotationParts, candidates: readonly string[] | undefined): Promise<void> {
  if (candidates === undefined) return;
  const known = new Set((await parts.labels()).map((label) => label.name));
  const unknown = candidates.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new AtlasError('NOT_FOUND', `No label named ${unknown.map((n) => JSON.stringify(n)).join(', ')}; candidates are exact names from \`labels\`.`, {
      field: 'candidates',
    });
  }
}

/**
 * Opens and validates a query file: it exists and has cells, enough of its genes are known, the
 * truth column exists, and its values are read one way (stated, noted by the file or detected on
 * its first cells; VALUE_TYPE_AMBIGUOUS otherwise). The caller closes it.
 */
export async function openQueryFile(parts: FileAnnotationParts, given: AnnotateFileRequest): Promise<QueryFile> {
  const request = parseAnnotateFileRequest(given);
  const path = resolve(request.path);
  try {
    await stat(path);
  } catch {
    throw new AtlasError('FILE_NOT_FOUND', `${path} does not exist.`, { path, field: 'path' });
  }
  await checkCandidates(parts, request.candidates);
  if (request.adapter !== undefined) await parts.checkAdapter(request.adapter);
  const source = await openExpressionFile(path, openOptions(request));
  try {
    const where = `${path} (${source.matrixLocation})`;
    if (source.nCells === 0) throw new AtlasError('EMPTY_MATRIX', `${where} has no cells; nothing to annotate.`, { path });
    if (request.truthColumn !== undefined && !source.obsColumns.includes(request.truthColumn)) {
      throw new AtlasError(
        'LABEL_COLUMN_MISSING',
        `${path} has no cell column "${request.truthColumn}" to evaluate against. Columns present: ${source.obsColumns.join(', ') || 'none'}.`,
        { path, field: 'truthColumn' },
      );
    }
    // Gene matching refuses files the model cannot read (NO_VOCABULARY_GENES, TOO_FEW_GENES_MATCHED).
    const { mapping } = tokenizeSource(source, bundleVocabulary(parts.model.bundle), parts.model.cellTokenizer);
    const guard = sourceValueGuard(source, request.valueType === undefined ? {} : { stated: statedKind(request.valueType) });
    for await (const chunk of source.chunks(SLICE_CELLS)) if (guard.read(chunk) !== undefined) break;
    const reading = guard.reading;
    if (reading === undefined) throw new AtlasError('EMPTY_MATRIX', `${where} holds no non-zero values; there is nothing to rank.`, { path });
    return {
      source,
      request: { ...request, path },
      reading,
      valuesReadAs: describeReading(reading),
      genes: { matched: mapping.matched, total: mapping.total, source: mapping.source },
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

function toRow(row: number, externalId: string, annotation: Annotation, truth: string | null): AnnotationResultRecord {
  return {
    row,
    externalId,
    label: annotation.label?.name ?? null,
    bestLabel: annotation.bestLabel.name,
    status: annotation.label === null ? 'UNASSIGNED' : 'ASSIGNED',
    reason: annotation.label === null ? (annotation.reason ?? 'LOW_CONFIDENCE') : null,
    confidence: annotation.confidence,
    novelty: annotation.novelty?.score ?? null,
    truth,
    neighborCellIds: annotation.neighbors.map((hit) => hit.cell.id),
  };
}

/**
 * Annotates every cell of an open query file in file order, handing each slice's rows to `onRows`;
 * when it answers false (a cancelled job) the rest of the file is not read. `skip(row)`: rows
 * already done (a resumed job), neither annotated nor handed over again.
 */
export async function annotateQueryFile(
  parts: FileAnnotationParts,
  file: QueryFile,
  onRows: (rows: AnnotationResultRecord[]) => Promise<boolean | void>,
  skip: (row: number) => boolean = () => false,
): Promise<void> {
  const { request } = file;
  const tokenization = tokenizeSource(file.source, bundleVocabulary(parts.model.bundle), parts.model.cellTokenizer, undefined, { decided: file.reading });
  const options: AnnotateCellOptions = {
    k: request.k,
    rerank: request.rerank,
    topM: request.topM,
    ...(request.candidates ? { candidates: request.candidates } : {}),
    ...(request.adapter ? { adapter: request.adapter } : {}),
  };
  for await (const chunk of tokenization.chunks(SLICE_CELLS)) {
    const todo = chunk.cellIds.map((_, i) => i).filter((i) => !skip(chunk.start + i));
    if (todo.length === 0) continue;
    const annotations = await parts.annotateTokens(
      todo.map((i) => chunk.tokens[i]!),
      options,
    );
    const truth = request.truthColumn === undefined ? undefined : chunk.obs[request.truthColumn];
    const more = await onRows(
      todo.map((i, n) => {
        const value = truth?.[i];
        return toRow(chunk.start + i, chunk.cellIds[i]!, annotations[n]!, value === undefined || value === null ? (truth ? '' : null) : String(value));
      }),
    );
    if (more === false) return;
  }
}

/** What evaluation reads of a result row. */
export type EvaluatedRow = Pick<AnnotationResultRecord, 'externalId' | 'truth' | 'label' | 'bestLabel' | 'reason' | 'confidence' | 'novelty' | 'neighborCellIds'>;

/**
 * Evaluates annotated rows against their truth, harmonised to catalogue labels and coarse classes
 * like reference labels (unmapped truth reported with its counts); `truthMap` (truth → label name or
 * ontology id) wins over the rules. Novel types are ranked by the decision's novelty score, or by
 * 1 − confidence for cells that have none.
 */
export async function evaluateRows(
  parts: Pick<FileAnnotationParts, 'harmoniseLabels' | 'externalIds'>,
  rows: readonly EvaluatedRow[],
  candidates?: readonly string[],
  truthMap?: Readonly<Record<string, string>>,
): Promise<Evaluation> {
  const truths = [...new Set(rows.map((r) => r.truth ?? ''))];
  const answers = [...new Set(rows.flatMap((r) => (r.label === null ? [r.bestLabel] : [r.label, r.bestLabel])))];
  const harmonisedTruth = await parts.harmoniseLabels(truths, new Map(Object.entries(truthMap ?? {})));
  const harmonisedAnswers = await parts.harmoniseLabels(answers);
  const mapping = new Map([...harmonisedTruth].map(([text, h]) => [text, { label: h.label?.name ?? null, coarse: h.coarse, method: h.method, score: h.score, ontologyId: h.ontologyId }]));
  const evaluation = evaluateAgainstTruth(
    rows.map((r) => ({
      truth: r.truth ?? '',
      label: r.label,
      bestLabel: r.bestLabel,
      confidence: r.confidence,
      novelty: r.novelty ?? 1 - r.confidence,
      heldBack: r.reason !== null && HELD_BACK_REASONS.has(r.reason),
    })),
    mapping,
    (label) => harmonisedAnswers.get(label)?.coarse ?? null,
    candidates === undefined ? undefined : new Set(candidates),
  );
  // A file that is also a reference (evaluating the cells an adapter or the kNN vote learnt from):
  // each cell's nearest reference cell is its own copy. Barcodes repeat across 10x samples, but
  // rarely as a cell's nearest neighbour.
  const nearest = [...new Set(rows.flatMap((r) => r.neighborCellIds.slice(0, 1)))];
  const barcodes = new Map<number, string>();
  for (let start = 0; start < nearest.length; start += 10_000) {
    for (const [id, barcode] of await parts.externalIds(nearest.slice(start, start + 10_000))) barcodes.set(id, barcode);
  }
  const cellsInReference = rows.filter((r) => r.neighborCellIds.length > 0 && barcodes.get(r.neighborCellIds[0]!) === r.externalId).length;
  return { ...evaluation, cellsInReference };
}
