/**
 * The project's error hierarchy. Every refusal a user can act on is an `AtlasError` with a stable
 * `code` (the CLI's exit message, GraphQL's `extensions.code`, a failed job's stored code) and a message that
 * names what was wrong and what to do about it. Anything else is an internal error.
 */
export const ERROR_CODES = [
  // model bundle
  'BUNDLE_NOT_FOUND',
  'BUNDLE_MANIFEST_INVALID',
  'BUNDLE_FILE_MISSING',
  'BUNDLE_FILE_CORRUPT',
  'BUNDLE_PRECISION_UNAVAILABLE',
  'EXECUTION_PROVIDER_UNAVAILABLE',
  // input files and values
  'FILE_NOT_FOUND',
  'UNSUPPORTED_FORMAT',
  'FILE_TRUNCATED',
  'FILE_CORRUPT',
  'HDF5_FILTER_UNSUPPORTED',
  'MATRIX_NOT_FOUND',
  'DIMENSION_MISMATCH',
  'EMPTY_MATRIX',
  'ORIENTATION_UNKNOWN',
  'SCALED_VALUES',
  'NON_FINITE_VALUES',
  'NEGATIVE_VALUES',
  'VALUE_TYPE_AMBIGUOUS',
  'VALUE_TYPE_MISMATCH',
  'NO_VOCABULARY_GENES',
  'TOO_FEW_GENES_MATCHED',
  'DUPLICATE_CELL_IDS',
  'DUPLICATE_ENTRIES',
  'LABEL_COLUMN_MISSING',
  'INVALID_INPUT',
  // atlas store and ingestion
  'MODEL_MISMATCH',
  'DATASET_EXISTS',
  'NOT_FOUND',
  'JOB_NOT_CANCELLABLE',
  'PATH_NOT_ALLOWED',
  // annotation: adapters and the fitted decision
  'ADAPTER_STALE',
  'TOO_FEW_CELLS',
  'INTERRUPTED',
  'PORT_IN_USE',
  // anything else (logged; the message is kept, the cause is not shown to clients)
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** A code read back from storage (a failed job's) is one of ours, or it is reported as INTERNAL. */
export function toErrorCode(value: string): ErrorCode {
  return CODES.has(value) ? (value as ErrorCode) : 'INTERNAL';
}

/** What most refusals carry: the input field, file or place that was wrong (for payload errors and logs). */
export interface CommonErrorDetails {
  readonly field?: string;
  readonly path?: string;
  readonly where?: string;
  readonly [key: string]: unknown;
}

/** Codes whose details a caller reads back (e.g. to restate the refusal in the API's terms). */
interface DetailsByCode {
  readonly SCALED_VALUES: CommonErrorDetails & { readonly min: number };
  readonly NO_VOCABULARY_GENES: CommonErrorDetails & { readonly total: number };
  readonly MODEL_MISMATCH: CommonErrorDetails & { readonly stored: string; readonly configured: string };
}

export type ErrorDetails<C extends ErrorCode> = C extends keyof DetailsByCode ? DetailsByCode[C] : CommonErrorDetails;

export class AtlasError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'AtlasError';
  readonly details: ErrorDetails<C>;
  constructor(
    readonly code: C,
    message: string,
    ...details: C extends keyof DetailsByCode ? [ErrorDetails<C>] : [ErrorDetails<C>?]
  ) {
    super(message);
    this.details = (details[0] ?? {}) as ErrorDetails<C>;
  }
}

/** Narrows an error to one code, with that code's details typed. */
export function hasErrorCode<C extends ErrorCode>(error: unknown, code: C): error is AtlasError<C> {
  return error instanceof AtlasError && error.code === code;
}

export function isAtlasError(error: unknown): error is AtlasError {
  return error instanceof AtlasError;
}
