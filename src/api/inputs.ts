/**
 * GraphQL arguments → the atlas's domain inputs, parsed once at the edge with zod schemas (the
 * query schemas are built for the service's limits). Every refusal carries an API code. Query
 * arguments that cannot be used throw their first problem as a coded `GraphQLError`; mutation
 * inputs are checked into every `InputProblem` at once, which the payload carries.
 *
 * GraphQL has already checked the types (and filled in defaults), so the schemas check what it
 * cannot: ids, ranges, limits, blank text, fields that go together.
 */
import { z } from 'zod';
import type {
  AdaptRequest,
  AnnotateFileRequest,
  AnnotateCellOptions,
  CellFilter,
  CellInput,
  ExpressionValueType,
  IngestRequest,
  LabelInput,
  MetadataValue,
  SearchOptions,
} from '../atlas/types.ts';
import type * as gql from './generated/resolvers-types.ts';
import { apiError, type ApiErrorCode, type InputErrorCode } from './errors.ts';
import type { ApiLimits } from './limits.ts';
import { parseLabelMap } from '../ingest/label-map-file.ts';

export interface InputProblem {
  readonly field: string;
  readonly code: InputErrorCode;
  readonly message: string;
}

// --- problems ---

/** What a check refuses with: the API code, and the limit it enforces (`extensions.limit`). */
class Refusal {
  constructor(
    readonly code: ApiErrorCode,
    readonly limit?: number,
  ) {}
}

/**
 * Reports a problem with the value being checked (or with `path` inside it). `says` reads after
 * the field's name, which comes from where the problem is, e.g. "filter.datasetIds[1]".
 */
function refuse(ctx: z.RefinementCtx, code: ApiErrorCode, says: string, options: { path?: (string | number)[]; limit?: number } = {}): void {
  ctx.addIssue({ code: 'custom', message: says, params: { refusal: new Refusal(code, options.limit) }, ...(options.path ? { path: options.path } : {}) });
}

/** `["filter", "datasetIds", 1]` → `filter.datasetIds[1]`, the way clients write it. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : name === '' ? String(key) : `${name}.${String(key)}`), '');
}

interface Problem {
  readonly field: string;
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly limit?: number;
}

/** `at`: where the checked value is in the arguments, e.g. `["input"]`. */
function problemOf(issue: z.core.$ZodIssue, at: readonly PropertyKey[]): Problem {
  const field = fieldName([...at, ...issue.path]);
  // A check that is not ours (GraphQL checks types first, so none is expected) is still the client's input.
  const refusal: unknown = issue.code === 'custom' ? issue.params?.['refusal'] : undefined;
  if (!(refusal instanceof Refusal)) return { field, code: 'BAD_USER_INPUT', message: `${field}: ${issue.message}` };
  return { field, code: refusal.code, message: `${field} ${issue.message}`, ...(refusal.limit === undefined ? {} : { limit: refusal.limit }) };
}

/** The arguments as the atlas takes them, or the first problem thrown as a coded `GraphQLError`. */
function parseArguments<Schema extends z.ZodType>(schema: Schema, args: unknown, at: readonly PropertyKey[] = []): z.output<Schema> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const first = problemOf(parsed.error.issues[0]!, at);
  throw apiError(first.code, first.message, first.limit === undefined ? {} : { limit: first.limit });
}

/** What a payload carries: the limit is for query errors' `extensions`. */
function inputProblem({ field, code, message }: Problem): InputProblem {
  return { field, code, message };
}

/** A mutation input as the atlas takes it, or every problem with it. */
export type Checked<T> = { readonly value: T } | { readonly errors: InputProblem[] };

function checkInput<Schema extends z.ZodType>(schema: Schema, input: unknown, at: readonly PropertyKey[]): Checked<z.output<Schema>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { value: parsed.data };
  return { errors: parsed.error.issues.map((issue) => inputProblem(problemOf(issue, at))) };
}

// --- pieces ---

const ID = /^[0-9]{1,15}$/;

/** GraphQL IDs are strings; the atlas's ids are integers. */
const atlasId = z
  .string()
  .superRefine((id, ctx) => {
    if (!ID.test(id)) refuse(ctx, 'INVALID_ID', `must be a numeric id such as "42"; got ${JSON.stringify(id.slice(0, 40))}.`);
  })
  .transform(Number);

/** `value` has `key` set to something other than null (GraphQL passes left-out fields as absent or null). */
function present(value: unknown, key: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([name, entry]) => name === key && entry !== undefined && entry !== null);
}

/** Exactly one of two fields, each with what it stands for: "needs exactly one of cellId (a stored cell) and …". */
function exactlyOne(value: unknown, ctx: z.RefinementCtx, [first, firstIs]: [string, string], [second, secondIs]: [string, string]): void {
  const hasFirst = present(value, first);
  if (hasFirst !== present(value, second)) return;
  refuse(ctx, 'EXACTLY_ONE_REQUIRED', `needs exactly one of ${first} (${firstIs}) and ${second} (${secondIs}); got ${hasFirst ? 'both' : 'neither'}.`);
}

/** A GraphQL enum value (GraphQL has checked it) as the domain value it stands for. */
function mapped<Key extends string, Value>(table: Readonly<Record<Key, Value>>) {
  return z.custom<Key>((value) => typeof value === 'string' && Object.hasOwn(table, value)).transform((key) => table[key]);
}

// --- query arguments ---

function count(max: number, tooLarge: ApiErrorCode) {
  return z.number().superRefine((n, ctx) => {
    if (n < 1) refuse(ctx, 'BAD_USER_INPUT', `must be at least 1; got ${n}.`);
    else if (n > max) refuse(ctx, tooLarge, `is at most ${max} on this server; got ${n}.`, { limit: max });
  });
}

function searchText(max: number) {
  return z.string().superRefine((text, ctx) => {
    if (text.trim().length === 0) refuse(ctx, 'BAD_USER_INPUT', 'is empty; describe the cells to find, e.g. "cytotoxic lymphocytes expressing GZMB".');
    else if (text.length > max) refuse(ctx, 'TEXT_TOO_LONG', `is at most ${max} characters on this server; got ${text.length}.`, { limit: max });
  });
}

const VALUE_TYPES: Record<gql.ValueType, ExpressionValueType> = {
  COUNTS: 'counts',
  NORMALIZED: 'normalized',
  LOG1P: 'log1p',
  LOG2P: 'log2p',
  LOG10P: 'log10p',
};

function expression(maxGenes: number) {
  return z
    .object({ genes: z.array(z.string()), values: z.array(z.number()), valueType: mapped(VALUE_TYPES) })
    .superRefine(({ genes, values }, ctx) => {
      // One problem, in this order: the first is the one worth fixing first.
      if (genes.length === 0) return refuse(ctx, 'BAD_USER_INPUT', 'is empty; give the genes the cell expresses.', { path: ['genes'] });
      if (genes.length > maxGenes) {
        return refuse(ctx, 'TOO_MANY_GENES', `has ${genes.length} genes; at most ${maxGenes} on this server (leave out genes with value 0).`, { limit: maxGenes });
      }
      if (values.length !== genes.length) {
        return refuse(ctx, 'EXPRESSION_LENGTH_MISMATCH', `has ${genes.length} genes but ${values.length} values; give one value per gene, in the same order.`);
      }
      const blank = genes.findIndex((gene) => gene.trim().length === 0);
      if (blank >= 0) refuse(ctx, 'BAD_USER_INPUT', 'is empty.', { path: ['genes', blank] });
    });
}

function cellInput(maxGenes: number) {
  // Exactly one is checked before either is parsed (a preprocess stops the pipe when it refuses), so
  // "got both" is what the client hears, not a problem inside one of the two.
  const oneOfTwo = (value: unknown, ctx: z.RefinementCtx) => {
    exactlyOne(value, ctx, ['cellId', 'a stored cell'], ['expression', 'a new cell']);
    return value;
  };
  return z.preprocess(
    oneOfTwo,
    z
      .object({ cellId: atlasId.nullish(), expression: expression(maxGenes).nullish() })
      // Exactly one is there (checked above).
      .transform(({ cellId, expression }): CellInput => (expression ? { expression } : { cellId: cellId! })),
  );
}

const isMetadataValue = (value: unknown): value is MetadataValue => ['string', 'number', 'boolean'].includes(typeof value);

// A Refusal, so that the message reads after the key's name like every other: "filter.metadata.donor must be …".
const metadataValue = z.custom<MetadataValue>(isMetadataValue, {
  error: (issue) => `must be a string, number or boolean; got ${issue.input === null ? 'null' : typeof issue.input}.`,
  params: { refusal: new Refusal('BAD_USER_INPUT') },
});

const cellFilter = z
  .object({
    datasetIds: z.array(atlasId).nullish(),
    labels: z.array(z.string()).nullish(),
    metadata: z.record(z.string(), metadataValue).nullish(),
  })
  .nullish()
  .transform((filter): CellFilter | undefined => {
    if (!filter) return undefined;
    const { datasetIds, labels, metadata } = filter;
    return { ...(datasetIds ? { datasetIds } : {}), ...(labels ? { labels } : {}), ...(metadata ? { metadata } : {}) };
  });

const candidates = z
  .array(z.string())
  .nullish()
  .superRefine((names, ctx) => {
    if (names?.length === 0) refuse(ctx, 'BAD_USER_INPUT', 'is empty; list label names to choose from, or leave it out to use every label.');
  });

/** The schemas for one set of limits (one per server: `limits` is made once, at start-up). */
function argumentSchemas(limits: ApiLimits) {
  const k = count(limits.maxK, 'K_TOO_LARGE');
  const input = cellInput(limits.maxGenes);
  return {
    searchCells: z
      .object({ text: searchText(limits.maxTextLength), k, filter: cellFilter, rerank: z.boolean() })
      .transform(({ text, k, filter, rerank }): { text: string; options: SearchOptions } => ({ text, options: { k, rerank, filter } })),
    similarCells: z
      .object({ input, k, filter: cellFilter })
      .transform(({ input, k, filter }): { input: CellInput; options: SearchOptions } => ({ input, options: { k, filter } })),
    annotateCell: z
      .object({ input, candidates, k, topM: count(limits.maxTopM, 'TOP_M_TOO_LARGE'), rerank: z.boolean(), filter: cellFilter, adapter: z.string().nullish() })
      .transform(({ input, candidates, k, topM, rerank, filter, adapter }): { input: CellInput; options: AnnotateCellOptions } => ({
        input,
        options: { k, rerank, topM, ...(candidates ? { candidates } : {}), ...(filter ? { filter } : {}), ...(adapter ? { adapter } : {}) },
      })),
  };
}

const schemasByLimits = new WeakMap<ApiLimits, ReturnType<typeof argumentSchemas>>();

function schemasFor(limits: ApiLimits): ReturnType<typeof argumentSchemas> {
  let schemas = schemasByLimits.get(limits);
  if (schemas === undefined) {
    schemas = argumentSchemas(limits);
    schemasByLimits.set(limits, schemas);
  }
  return schemas;
}

export function searchCellsArguments(args: gql.RequireFields<gql.QuerySearchCellsArgs, 'k' | 'rerank'>, limits: ApiLimits) {
  return parseArguments(schemasFor(limits).searchCells, args);
}

export function similarCellsArguments(args: gql.RequireFields<gql.QuerySimilarCellsArgs, 'k'>, limits: ApiLimits) {
  return parseArguments(schemasFor(limits).similarCells, args);
}

export function annotateCellArguments(args: gql.RequireFields<gql.QueryAnnotateCellArgs, 'k' | 'rerank' | 'topM'>, limits: ApiLimits) {
  return parseArguments(schemasFor(limits).annotateCell, args);
}

/** An id argument (`id`, `jobId`) as the atlas's integer id. */
export function toAtlasId(value: string, argument: string): number {
  return parseArguments(atlasId, value, [argument]);
}

// --- mutation inputs ---

const MAX_NAME = 200;
const MAX_TEXT = 10_000;

function text(max: number) {
  return z.string().superRefine((value, ctx) => {
    if (value.trim().length === 0) refuse(ctx, 'REQUIRED', 'is empty.');
    else if (value.length > max) refuse(ctx, 'TOO_LONG', `is at most ${max} characters; got ${value.length}.`);
  });
}

/** For mutations: the id, or the problem (reported on `field`). */
export function checkAtlasId(value: string, field: string): number | InputProblem {
  const checked = checkInput(atlasId, value, [field]);
  return 'errors' in checked ? checked.errors[0]! : checked.value;
}

/** What a label and a patch share; in a patch, null clears. */
const labelFields = {
  ontologyId: text(MAX_NAME).nullish(),
  description: text(MAX_TEXT).nullish(),
  synonyms: z.array(z.string()).nullish(),
  parents: z.array(z.string()).nullish(),
};

const labelInput = z.object({ name: text(MAX_NAME), ...labelFields }).transform(
  ({ name, ontologyId, description, synonyms, parents }): LabelInput => ({
    name: name.trim(),
    ontologyId: ontologyId?.trim() ?? null,
    description: description ?? null,
    synonyms: synonyms ?? [],
    parents: parents ?? [],
  }),
);

export function checkLabelInput(input: gql.LabelInput): Checked<LabelInput> {
  return checkInput(labelInput, input, ['input']);
}

const labelPatch = z
  .object({
    name: text(MAX_NAME)
      .nullish()
      .superRefine((name, ctx) => {
        if (name === null) refuse(ctx, 'REQUIRED', 'cannot be null; leave it out to keep the name.');
      }),
    ...labelFields,
  })
  .transform((patch): Partial<LabelInput> => {
    const result: { -readonly [K in keyof LabelInput]?: LabelInput[K] } = {};
    // Left out = unchanged; null = cleared.
    if (patch.name !== undefined && patch.name !== null) result.name = patch.name.trim();
    if (patch.ontologyId !== undefined) result.ontologyId = patch.ontologyId?.trim() ?? null;
    if (patch.description !== undefined) result.description = patch.description;
    if (patch.synonyms !== undefined) result.synonyms = patch.synonyms ?? [];
    if (patch.parents !== undefined) result.parents = patch.parents ?? [];
    return result;
  });

export function checkLabelPatch(patch: gql.LabelPatch): Checked<Partial<LabelInput>> {
  return checkInput(labelPatch, patch, ['patch']);
}

/** Where a file comes from: an upload or a server path, exactly one. */
export type FileSource = { readonly uploadId: string } | { readonly path: string };

const fileSource = z.preprocess(
  (value, ctx) => {
    exactlyOne(value, ctx, ['uploadId', 'from POST /uploads'], ['path', 'a file on the server']);
    return value;
  },
  z
    .object({
      uploadId: z.string().nullish(),
      path: z
        .string()
        .nullish()
        .superRefine((path, ctx) => {
          if (path?.trim().length === 0) refuse(ctx, 'REQUIRED', 'is empty.');
        }),
    })
    // Exactly one is there (checked above).
    .transform(({ uploadId, path }): FileSource => (path ? { path } : { uploadId: uploadId! })),
);

export function checkFileSource(input: gql.ImportLabelsInput): Checked<FileSource> {
  return checkInput(fileSource, input, ['input']);
}

type IngestFormat = NonNullable<IngestRequest['format']>;
type IngestLayer = NonNullable<IngestRequest['layer']>;

const FORMATS: Record<gql.IngestFormat, IngestFormat> = { H5AD: 'h5ad', TENX_MTX: '10x-mtx', TENX_H5: '10x-h5', CSV: 'csv', TSV: 'tsv' };
const LAYERS: Record<gql.IngestLayer, IngestLayer> = { AUTO: 'auto', COUNTS: 'counts', RAW: 'raw', X: 'X' };

/** The ingestion request without its file, which is resolved (upload or server path) afterwards. */
export type IngestSettings = Omit<IngestRequest, 'path'> & { readonly source: FileSource; readonly layer: IngestLayer };

const ingestSettings = z
  .object({
    name: text(MAX_NAME),
    format: mapped(FORMATS).nullish(),
    layer: mapped(LAYERS).nullish(),
    labelColumn: text(MAX_NAME).nullish(),
    genesAsRows: z.boolean().nullish(),
    species: text(MAX_NAME).nullish(),
    labelMap: z.array(z.object({ source: text(MAX_NAME), target: text(MAX_NAME) })).nullish(),
    valueType: mapped(VALUE_TYPES).nullish(),
  })
  .transform(({ name, format, layer, labelColumn, genesAsRows, species, labelMap, valueType }): Omit<IngestSettings, 'source'> => ({
    name: name.trim(),
    layer: layer ?? 'auto',
    ...(format ? { format } : {}),
    ...(labelColumn ? { labelColumn } : {}),
    ...(genesAsRows !== undefined && genesAsRows !== null ? { genesAsRows } : {}),
    ...(species ? { species: species.trim() } : {}),
    ...(labelMap ? { labelMap: Object.fromEntries(labelMap.map((entry) => [entry.source, entry.target])) } : {}),
    ...(valueType ? { valueType } : {}),
  }));

const ADAPTER_KIND_NAMES = ['cache', 'linear', 'auto'] as const;

const adaptInput = z
  .object({
    name: text(MAX_NAME),
    dataset: text(MAX_NAME).nullish(),
    cells: z.array(z.object({ cellId: atlasId, label: text(MAX_NAME) })).nullish(),
    shots: z.number().int().min(1).nullish(),
    kind: z.enum(ADAPTER_KIND_NAMES).nullish(),
    seed: z.number().int().nullish(),
  })
  .transform(({ name, dataset, cells, shots, kind, seed }): AdaptRequest => ({
    name: name.trim(),
    ...(dataset ? { dataset } : {}),
    ...(cells ? { cells } : {}),
    ...(shots ? { shots } : {}),
    ...(kind ? { kind } : {}),
    ...(seed !== undefined && seed !== null ? { seed } : {}),
  }));

export function checkAdaptInput(input: gql.AdaptInput): Checked<AdaptRequest> {
  return checkInput(adaptInput, input, ['input']);
}

export function checkIngestInput(input: gql.IngestReferenceInput): Checked<IngestSettings> {
  // The file first, then the settings: every problem of both, in the input's order.
  const source = checkFileSource(input);
  const settings = checkInput(ingestSettings, input, ['input']);
  if ('errors' in source || 'errors' in settings) return { errors: [...('errors' in source ? source.errors : []), ...('errors' in settings ? settings.errors : [])] };
  return { value: { source: source.value, ...settings.value } };
}

/** An annotateFile input: where the file is, and the request the atlas gets once the file is resolved. */
export interface AnnotateFileSettings {
  readonly source: FileSource;
  readonly request: Omit<AnnotateFileRequest, 'path'>;
}

/** A truth mapping file sent as text (dataset_label_to_cl.tsv is 2 kB): plenty for any label set. */
const MAX_MAP_FILE_CHARACTERS = 1_000_000;

function annotateFileSettings(limits: ApiLimits) {
  return z
    .object({
      truthColumn: text(MAX_NAME).nullish(),
      valueType: mapped(VALUE_TYPES).nullish(),
      candidates,
      k: count(limits.maxK, 'K_TOO_LARGE').nullish(),
      topM: count(limits.maxTopM, 'TOP_M_TOO_LARGE').nullish(),
      rerank: z.boolean().nullish(),
      format: mapped(FORMATS).nullish(),
      layer: mapped(LAYERS).nullish(),
      truthMap: z.array(z.object({ source: text(MAX_NAME), target: text(MAX_NAME) })).nullish(),
      truthMapFile: z.string().max(MAX_MAP_FILE_CHARACTERS, `is longer than ${MAX_MAP_FILE_CHARACTERS} characters`).nullish(),
      adapter: text(MAX_NAME).nullish(),
    })
    .transform(({ truthColumn, valueType, candidates, k, topM, rerank, format, layer, truthMap, truthMapFile, adapter }, ctx): AnnotateFileSettings['request'] => {
      // A mapping file's rows (the CLI's --truth-map), under the entries given one by one.
      let fromFile: Record<string, string> = {};
      if (truthMapFile) {
        try {
          fromFile = Object.fromEntries(parseLabelMap(truthMapFile, 'the mapping file', 'truthMapFile'));
        } catch (error) {
          refuse(ctx, 'BAD_USER_INPUT', `cannot be read as a mapping file: ${(error as Error).message}`, { path: ['truthMapFile'] });
          return z.NEVER;
        }
      }
      const mapping = { ...fromFile, ...Object.fromEntries((truthMap ?? []).map((entry) => [entry.source, entry.target])) };
      return {
        k: k ?? 25,
        topM: topM ?? 3,
        rerank: rerank ?? true,
        layer: layer ?? 'auto',
        ...(format ? { format } : {}),
        ...(truthColumn ? { truthColumn } : {}),
        ...(valueType ? { valueType } : {}),
        ...(candidates ? { candidates } : {}),
        ...(Object.keys(mapping).length > 0 ? { truthMap: mapping } : {}),
        ...(adapter ? { adapter } : {}),
      };
    });
}

export function checkAnnotateFileInput(input: gql.AnnotateFileInput, limits: ApiLimits): Checked<AnnotateFileSettings> {
  const source = checkFileSource(input);
  const settings = checkInput(annotateFileSettings(limits), input, ['input']);
  if ('errors' in source || 'errors' in settings) return { errors: [...('errors' in source ? source.errors : []), ...('errors' in settings ? settings.errors : [])] };
  return { value: { source: source.value, request: settings.value } };
}
