/**
 * GraphQL arguments → the atlas's domain inputs, with the service's limits. Query arguments that
 * cannot be used throw a coded `GraphQLError`; mutation inputs are checked into a list of
 * `InputError`s that the payload carries (admins get every problem at once).
 */
import type {
  AnnotateFileRequest,
  AnnotateCellOptions,
  CellFilter,
  CellInput,
  ExpressionValueType,
  IngestRequest,
  LabelInput,
  MetadataValue,
} from '../atlas/types.ts';
import type * as gql from './generated/resolvers-types.ts';
import { apiError, type InputErrorCode } from './errors.ts';
import type { ApiLimits } from './limits.ts';

export interface InputProblem {
  readonly field: string;
  readonly code: InputErrorCode;
  readonly message: string;
}

const ID = /^[0-9]{1,15}$/;

/** GraphQL IDs are strings; the atlas's ids are integers. */
export function toAtlasId(value: string, argument: string): number {
  if (!ID.test(value)) throw apiError('INVALID_ID', `${argument} must be a numeric id such as "42"; got ${JSON.stringify(value.slice(0, 40))}.`);
  return Number(value);
}

/** For mutations: the id, or the problem. */
export function checkAtlasId(value: string, field: string): number | InputProblem {
  if (!ID.test(value)) return { field, code: 'INVALID_ID', message: `${field} must be a numeric id such as "42".` };
  return Number(value);
}

export function checkK(k: number, limits: ApiLimits): number {
  if (k < 1) throw apiError('BAD_USER_INPUT', `k must be at least 1; got ${k}.`);
  if (k > limits.maxK) throw apiError('K_TOO_LARGE', `k is at most ${limits.maxK} on this server; got ${k}.`, { limit: limits.maxK });
  return k;
}

export function checkTopM(topM: number, limits: ApiLimits): number {
  if (topM < 1) throw apiError('BAD_USER_INPUT', `topM must be at least 1; got ${topM}.`);
  if (topM > limits.maxTopM) {
    throw apiError('TOP_M_TOO_LARGE', `topM is at most ${limits.maxTopM} on this server; got ${topM}.`, { limit: limits.maxTopM });
  }
  return topM;
}

export function checkSearchText(text: string, limits: ApiLimits): string {
  if (text.trim().length === 0) throw apiError('BAD_USER_INPUT', 'text is empty; describe the cells to find, e.g. "cytotoxic lymphocytes expressing GZMB".');
  if (text.length > limits.maxTextLength) {
    throw apiError('TEXT_TOO_LONG', `text is at most ${limits.maxTextLength} characters on this server; got ${text.length}.`, {
      limit: limits.maxTextLength,
    });
  }
  return text;
}

export const VALUE_TYPES: Record<gql.ValueType, ExpressionValueType> = {
  COUNTS: 'counts',
  NORMALIZED: 'normalized',
  LOG1P: 'log1p',
  LOG2P: 'log2p',
  LOG10P: 'log10p',
};

export function toCellInput(input: gql.CellInput, limits: ApiLimits): CellInput {
  const hasId = input.cellId !== undefined && input.cellId !== null;
  const expression = input.expression ?? null;
  if (hasId === (expression !== null)) {
    throw apiError('EXACTLY_ONE_REQUIRED', 'input needs exactly one of cellId (a stored cell) and expression (a new cell); got ' + (hasId ? 'both.' : 'neither.'));
  }
  if (hasId) return { cellId: toAtlasId(input.cellId!, 'input.cellId') };
  const { genes, values, valueType } = expression!;
  if (genes.length === 0) throw apiError('BAD_USER_INPUT', 'input.expression.genes is empty; give the genes the cell expresses.');
  if (genes.length > limits.maxGenes) {
    throw apiError('TOO_MANY_GENES', `input.expression has ${genes.length} genes; at most ${limits.maxGenes} on this server (leave out genes with value 0).`, {
      limit: limits.maxGenes,
    });
  }
  if (values.length !== genes.length) {
    throw apiError(
      'EXPRESSION_LENGTH_MISMATCH',
      `input.expression has ${genes.length} genes but ${values.length} values; give one value per gene, in the same order.`,
    );
  }
  const blank = genes.findIndex((gene) => gene.trim().length === 0);
  if (blank >= 0) throw apiError('BAD_USER_INPUT', `input.expression.genes[${blank}] is empty.`);
  return { expression: { genes, values, valueType: VALUE_TYPES[valueType] } };
}

export function toCellFilter(filter: gql.CellFilter | null | undefined): CellFilter | undefined {
  if (!filter) return undefined;
  const result: { datasetIds?: number[]; labels?: string[]; metadata?: Record<string, MetadataValue> } = {};
  if (filter.datasetIds) result.datasetIds = filter.datasetIds.map((id, i) => toAtlasId(id, `filter.datasetIds[${i}]`));
  if (filter.labels) result.labels = filter.labels;
  if (filter.metadata) {
    const metadata: Record<string, MetadataValue> = {};
    for (const [key, value] of Object.entries(filter.metadata)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw apiError('BAD_USER_INPUT', `filter.metadata.${key} must be a string, number or boolean; got ${value === null ? 'null' : typeof value}.`);
      }
      metadata[key] = value;
    }
    result.metadata = metadata;
  }
  return result;
}

export function toAnnotateOptions(args: gql.RequireFields<gql.QueryAnnotateCellArgs, 'k' | 'rerank' | 'topM'>, limits: ApiLimits): AnnotateCellOptions {
  if (args.candidates && args.candidates.length === 0) {
    throw apiError('BAD_USER_INPUT', 'candidates is empty; list label names to choose from, or leave it out to use every label.');
  }
  return {
    k: checkK(args.k, limits),
    rerank: args.rerank,
    topM: checkTopM(args.topM, limits),
    ...(args.candidates ? { candidates: args.candidates } : {}),
    ...(args.filter ? { filter: toCellFilter(args.filter) } : {}),
  };
}

// --- mutation inputs ---

const MAX_NAME = 200;
const MAX_TEXT = 10_000;

function checkText(value: string | null | undefined, field: string, max: number, problems: InputProblem[], required = false): void {
  if (value === undefined || value === null) {
    if (required) problems.push({ field, code: 'REQUIRED', message: `${field} is required.` });
    return;
  }
  if (value.trim().length === 0) problems.push({ field, code: 'REQUIRED', message: `${field} is empty.` });
  else if (value.length > max) problems.push({ field, code: 'TOO_LONG', message: `${field} is at most ${max} characters; got ${value.length}.` });
}

export function checkLabelInput(input: gql.LabelInput): LabelInput | InputProblem[] {
  const problems: InputProblem[] = [];
  checkText(input.name, 'input.name', MAX_NAME, problems, true);
  checkText(input.ontologyId, 'input.ontologyId', MAX_NAME, problems);
  checkText(input.description, 'input.description', MAX_TEXT, problems);
  if (problems.length > 0) return problems;
  return {
    name: input.name.trim(),
    ontologyId: input.ontologyId?.trim() ?? null,
    description: input.description ?? null,
    synonyms: input.synonyms ?? [],
    parents: input.parents ?? [],
  };
}

export function checkLabelPatch(patch: gql.LabelPatch): Partial<LabelInput> | InputProblem[] {
  const problems: InputProblem[] = [];
  if (patch.name === null) problems.push({ field: 'patch.name', code: 'REQUIRED', message: 'patch.name cannot be null; leave it out to keep the name.' });
  checkText(patch.name, 'patch.name', MAX_NAME, problems);
  checkText(patch.ontologyId, 'patch.ontologyId', MAX_NAME, problems);
  checkText(patch.description, 'patch.description', MAX_TEXT, problems);
  if (problems.length > 0) return problems;
  const result: { -readonly [K in keyof LabelInput]?: LabelInput[K] } = {};
  // Left out = unchanged; null = cleared.
  if (patch.name !== undefined && patch.name !== null) result.name = patch.name.trim();
  if (patch.ontologyId !== undefined) result.ontologyId = patch.ontologyId?.trim() ?? null;
  if (patch.description !== undefined) result.description = patch.description;
  if (patch.synonyms !== undefined) result.synonyms = patch.synonyms ?? [];
  if (patch.parents !== undefined) result.parents = patch.parents ?? [];
  return result;
}

/** Where a file comes from: an upload or a server path, exactly one. */
export type FileSource = { readonly uploadId: string } | { readonly path: string };

export function checkFileSource(input: { uploadId?: string | null; path?: string | null }, problems: InputProblem[]): FileSource | null {
  const hasUpload = input.uploadId !== undefined && input.uploadId !== null;
  const hasPath = input.path !== undefined && input.path !== null;
  if (hasUpload === hasPath) {
    problems.push({
      field: 'input',
      code: 'EXACTLY_ONE_REQUIRED',
      message: `Give exactly one of input.uploadId (from POST /uploads) and input.path (a file on the server); got ${hasUpload ? 'both' : 'neither'}.`,
    });
    return null;
  }
  if (hasPath && input.path!.trim().length === 0) {
    problems.push({ field: 'input.path', code: 'REQUIRED', message: 'input.path is empty.' });
    return null;
  }
  return hasUpload ? { uploadId: input.uploadId! } : { path: input.path! };
}

type IngestFormat = NonNullable<IngestRequest['format']>;
type IngestLayer = NonNullable<IngestRequest['layer']>;

const FORMATS: Record<gql.IngestFormat, IngestFormat> = { H5AD: 'h5ad', TENX_MTX: '10x-mtx', TENX_H5: '10x-h5', CSV: 'csv', TSV: 'tsv' };
const LAYERS: Record<gql.IngestLayer, IngestLayer> = { AUTO: 'auto', COUNTS: 'counts', RAW: 'raw', X: 'X' };

export interface IngestSettings {
  readonly source: FileSource;
  readonly name: string;
  readonly format?: IngestFormat;
  readonly layer: IngestLayer;
  readonly labelColumn?: string;
  readonly genesAsRows?: boolean;
  readonly species?: string;
  readonly valueType?: ExpressionValueType;
}

export function checkIngestInput(input: gql.IngestReferenceInput): IngestSettings | InputProblem[] {
  const problems: InputProblem[] = [];
  const source = checkFileSource(input, problems);
  checkText(input.name, 'input.name', MAX_NAME, problems, true);
  checkText(input.labelColumn, 'input.labelColumn', MAX_NAME, problems);
  checkText(input.species, 'input.species', MAX_NAME, problems);
  if (problems.length > 0 || source === null) return problems;
  return {
    source,
    name: input.name.trim(),
    layer: LAYERS[input.layer ?? 'AUTO'],
    ...(input.format ? { format: FORMATS[input.format] } : {}),
    ...(input.labelColumn ? { labelColumn: input.labelColumn } : {}),
    ...(input.genesAsRows !== undefined && input.genesAsRows !== null ? { genesAsRows: input.genesAsRows } : {}),
    ...(input.species ? { species: input.species.trim() } : {}),
    ...(input.valueType ? { valueType: VALUE_TYPES[input.valueType] } : {}),
  };
}

/** An annotateFile input: where the file is, and the request the atlas gets once the file is resolved. */
export interface AnnotateFileSettings {
  readonly source: FileSource;
  readonly request: Omit<AnnotateFileRequest, 'path'>;
}

export function checkAnnotateFileInput(input: gql.AnnotateFileInput, limits: ApiLimits): AnnotateFileSettings | InputProblem[] {
  const problems: InputProblem[] = [];
  const source = checkFileSource(input, problems);
  checkText(input.truthColumn, 'input.truthColumn', MAX_NAME, problems);
  const k = input.k ?? 25;
  const topM = input.topM ?? 3;
  if (k < 1 || k > limits.maxK) problems.push({ field: 'input.k', code: 'K_TOO_LARGE', message: `k is from 1 to ${limits.maxK} on this server; got ${k}.` });
  if (topM < 1 || topM > limits.maxTopM) {
    problems.push({ field: 'input.topM', code: 'TOP_M_TOO_LARGE', message: `topM is from 1 to ${limits.maxTopM} on this server; got ${topM}.` });
  }
  if (input.candidates && input.candidates.length === 0) problems.push({ field: 'input.candidates', code: 'REQUIRED', message: 'candidates is empty; leave it out for every label.' });
  if (problems.length > 0 || source === null) return problems;
  return {
    source,
    request: {
      k,
      topM,
      rerank: input.rerank ?? true,
      layer: LAYERS[input.layer ?? 'AUTO'],
      ...(input.format ? { format: FORMATS[input.format] } : {}),
      ...(input.truthColumn ? { truthColumn: input.truthColumn } : {}),
      ...(input.valueType ? { valueType: VALUE_TYPES[input.valueType] } : {}),
      ...(input.candidates ? { candidates: input.candidates } : {}),
    },
  };
}
