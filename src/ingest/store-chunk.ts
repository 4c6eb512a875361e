/**
 * The one chunk pipeline: cells read from a source (a file's reader, or the demo generator) are
 * value-checked, tokenized, encoded and stored with their chunk's checkpoint in one transaction.
 * The ingestion worker and the demo seed both store cells through `storeChunk`.
 */
import { performance } from 'node:perf_hooks';
import type { CellChunk, ObsValue, ValuePrecision } from '../model/cells.ts';
import type { ValueKindGuard } from '../model/expression-values.ts';
import type { GeneMapping } from '../model/genes.ts';
import type { NewCell } from '../store/cells.ts';
import { commitChunk, type ChunkOutcome } from '../store/jobs.ts';
import type { IngestionContext } from './ingestion.ts';

/** Where a job's cells go and how its source is read. */
export interface ChunkTarget {
  readonly jobId: number;
  readonly datasetId: number;
  readonly mapping: GeneMapping;
  /** Holds every chunk to the value kind decided when the source was validated. */
  readonly values: ValueKindGuard;
  readonly valuePrecision: ValuePrecision;
  /** The obs column that is the cell's label; the others are kept as metadata. */
  readonly labelColumn: string | null;
}

/** Seconds per stage (read, tokenize, encode, store), reported with the job. */
export interface StageTimer {
  readonly timings: Record<string, number>;
  /** Adds the time since the previous lap to `stage`. */
  lap(stage: string): void;
}

export function stageTimer(): StageTimer {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  return {
    timings,
    lap(stage) {
      const now = performance.now();
      timings[stage] = (timings[stage] ?? 0) + (now - mark) / 1000;
      mark = now;
    },
  };
}

function cellRow(chunk: CellChunk, row: number, labelColumn: string | null): Pick<NewCell, 'label' | 'metadata'> {
  const metadata: Record<string, ObsValue> = {};
  let label: string | null = null;
  for (const [column, values] of Object.entries(chunk.obs)) {
    const value = values[row] ?? null;
    if (column === labelColumn) label = value === null ? null : String(value);
    else metadata[column] = typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  return { label, metadata };
}

/** Stores chunk `index` of a job: its cells (the chunks read for it) and its checkpoint, exactly once. */
export async function storeChunk(
  ctx: Pick<IngestionContext, 'db' | 'model'>,
  target: ChunkTarget,
  index: number,
  chunks: readonly CellChunk[],
  timer: StageTimer = stageTimer(),
): Promise<{ outcome: ChunkOutcome; finished: boolean }> {
  const cells: { chunk: CellChunk; row: number; tokens: Int32Array }[] = [];
  for (const chunk of chunks) {
    const kind = target.values.read(chunk) ?? 'counts';
    const tokens = ctx.model.cellTokenizer.tokenizeChunk(chunk, target.mapping, kind, target.valuePrecision);
    tokens.forEach((t, row) => cells.push({ chunk, row, tokens: t }));
  }
  timer.lap('tokenize');
  const { embeddings } = await ctx.model.embedCells(cells.map((c) => c.tokens));
  timer.lap('encode');
  const dim = ctx.model.embeddingDim;
  const rows: NewCell[] = cells.map(({ chunk, row, tokens }, i) => ({
    rowIndex: chunk.start + row,
    externalId: chunk.cellIds[row]!,
    ...cellRow(chunk, row, target.labelColumn),
    tokens,
    embedding: embeddings.subarray(i * dim, (i + 1) * dim),
  }));
  return commitChunk(ctx.db, { jobId: target.jobId, index, datasetId: target.datasetId, cells: rows, timings: timer.timings });
}
