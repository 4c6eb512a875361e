/**
 * The project's error hierarchy. Every refusal a user can act on is an `AtlasError` with a stable
 * `code` (used by the CLI's exit message and, later, GraphQL `extensions.code`) and a message that
 * names what was wrong and what to do about it. Anything else is an internal error.
 */
export type ErrorCode =
  // model bundle
  | 'BUNDLE_NOT_FOUND'
  | 'BUNDLE_MANIFEST_INVALID'
  | 'BUNDLE_FILE_MISSING'
  | 'BUNDLE_FILE_CORRUPT'
  | 'BUNDLE_PRECISION_UNAVAILABLE'
  | 'EXECUTION_PROVIDER_UNAVAILABLE'
  // input files and values
  | 'FILE_NOT_FOUND'
  | 'UNSUPPORTED_FORMAT'
  | 'FILE_TRUNCATED'
  | 'FILE_CORRUPT'
  | 'HDF5_FILTER_UNSUPPORTED'
  | 'MATRIX_NOT_FOUND'
  | 'DIMENSION_MISMATCH'
  | 'EMPTY_MATRIX'
  | 'ORIENTATION_UNKNOWN'
  | 'SCALED_VALUES'
  | 'NON_FINITE_VALUES'
  | 'NEGATIVE_VALUES'
  | 'NO_VOCABULARY_GENES'
  | 'TOO_FEW_GENES_MATCHED'
  | 'DUPLICATE_CELL_IDS'
  | 'LABEL_COLUMN_MISSING'
  | 'INVALID_INPUT'
  // atlas store and ingestion
  | 'MODEL_MISMATCH'
  | 'DATASET_EXISTS'
  | 'NOT_FOUND'
  | 'JOB_NOT_CANCELLABLE'
  | 'PATH_NOT_ALLOWED';

export class AtlasError extends Error {
  override readonly name = 'AtlasError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export function isAtlasError(error: unknown): error is AtlasError {
  return error instanceof AtlasError;
}
