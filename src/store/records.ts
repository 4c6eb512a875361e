/**
 * The persisted records every layer above the store exchanges (datasets, cells, labels, ingestion
 * jobs): plain data, no Prisma and no GraphQL types. The store maps its rows to these; the atlas,
 * the ingestion pipeline, the API and the CLI read them.
 */
import type { ErrorCode } from '../errors.ts';
import type { ValueKind } from '../model/expression-values.ts';
import type { ObsValue } from '../model/cells.ts';

export interface CellRecord {
  readonly id: number;
  readonly externalId: string;
  readonly datasetId: number;
  readonly datasetName: string;
  readonly label: string | null;
  readonly metadata: Readonly<Record<string, ObsValue>>;
  /** Genes of this cell that are in the model's vocabulary (= token count without <cls>). */
  readonly geneCount: number;
}

export interface LabelRecord {
  readonly id: number;
  readonly name: string;
  readonly ontologyId: string | null;
  readonly description: string | null;
  readonly synonyms: readonly string[];
  readonly parents: readonly string[];
  /** LangCell's prompt form: "cell type: NAME. DEFINITION; " */
  readonly promptText: string;
}

export interface LabelInput {
  readonly name: string;
  readonly ontologyId?: string | null;
  readonly description?: string | null;
  readonly synonyms?: readonly string[];
  readonly parents?: readonly string[];
}

export type DatasetState = 'INGESTING' | 'READY' | 'FAILED' | 'CANCELLED';

export interface DatasetRecord {
  readonly id: number;
  readonly name: string;
  readonly state: DatasetState;
  readonly sourcePath: string;
  readonly sourceSha256: string;
  readonly format: string;
  /** Where the values come from inside the source, e.g. `layers/counts`, `raw/X`, `X`. */
  readonly matrixLocation: string;
  /** How the values were read (decided at validation; every chunk is checked against it). */
  readonly valueKind: ValueKind;
  readonly species: string;
  readonly modelId: string;
  /** Cells stored so far / cells in the source. */
  readonly cellCount: number;
  readonly totalCells: number;
  readonly genesMatched: number;
  readonly genesTotal: number;
  readonly labelColumn: string | null;
  readonly metadataColumns: readonly string[];
  readonly createdAt: Date;
  readonly completedAt: Date | null;
}

export type JobState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface IngestionJobRecord {
  readonly id: number;
  readonly datasetId: number;
  readonly datasetName: string;
  readonly state: JobState;
  readonly processedCells: number;
  readonly totalCells: number;
  readonly cellsPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly errorCode: ErrorCode | null;
  readonly errorMessage: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** Seconds spent per stage so far (read, tokenize, encode, store), summed over chunks. */
  readonly timings: Readonly<Record<string, number>>;
}


/** A query file being (or having been) annotated as a whole; see `AnnotationResultRecord` for its cells. */
export interface AnnotationJobRecord {
  readonly id: number;
  readonly state: JobState;
  /** The file's name (without the server's folders). */
  readonly fileName: string;
  readonly sourcePath: string;
  /** The request as given (parsed by the atlas, which owns its shape). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly truthColumn: string | null;
  /** How the values were read, e.g. `log1p (count lattice)`; known once the file was validated. */
  readonly valuesReadAs: string | null;
  readonly modelId: string;
  readonly processedCells: number;
  readonly totalCells: number;
  /** The evaluation as the atlas computed it (JSON), when the job had a truth column and succeeded. */
  readonly evaluation: unknown;
  readonly errorCode: ErrorCode | null;
  readonly errorMessage: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export type AnnotationStatus = 'ASSIGNED' | 'UNASSIGNED';

/** One annotated cell of a job. */
export interface AnnotationResultRecord {
  /** The cell's row in the file (0-based). */
  readonly row: number;
  readonly externalId: string;
  /** The label given (catalogue name), or null when UNASSIGNED. */
  readonly label: string | null;
  readonly bestLabel: string;
  readonly status: AnnotationStatus;
  readonly reason: string | null;
  readonly confidence: number;
  /** How unlike the reference the cell is (the decision's novelty score; > 1 is novel), or null without a novelty profile. */
  readonly novelty: number | null;
  /** The file's truth column value, when the job has one. */
  readonly truth: string | null;
  readonly neighborCellIds: readonly number[];
}
