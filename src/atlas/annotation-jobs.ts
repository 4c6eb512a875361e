/**
 * Annotation jobs: a query file annotated as a whole in the background. `start` validates the file
 * (so refusals come back at once, not as a failed job), stores the job and queues it on its own
 * pg-boss queue; a worker process (the serving process by default, like ingestion chunks) runs it:
 * slices of cells annotated and stored with the job's progress, then — with a truth column — the
 * evaluation. A job taken again after a crash resumes at the rows it has not stored.
 */
import { basename } from 'node:path';
import { AtlasError, isAtlasError } from '../errors.ts';
import type { Runtime } from '../runtime.ts';
import * as jobStore from '../store/annotation-jobs.ts';
import type { AnnotationJobRecord, AnnotationResultRecord, AnnotationStatus } from '../store/records.ts';
import { annotateQueryFile, evaluateRows, openQueryFile, parseAnnotateFileRequest, type AnnotateFileRequest, type EvaluatedRow, type FileAnnotationParts } from './annotate-file.ts';
import type { Evaluation } from './evaluation.ts';
import type { AnnotationJob, AnnotationResultPage, LabelCount } from './types.ts';
import { UNASSIGNED } from './evaluation.ts';
import { pollJob } from './watch.ts';

const CSV_HEADER = 'row,cell,label,best_label,status,reason,confidence,novelty,truth,neighbor_cell_ids';

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One result as a CSV line (the download and the CLI's --out share it). */
export function resultCsvLine(r: AnnotationResultRecord): string {
  return [String(r.row), r.externalId, r.label ?? '', r.bestLabel, r.status, r.reason ?? '', r.confidence.toFixed(6), r.novelty?.toFixed(6) ?? '', r.truth ?? '', r.neighborCellIds.join(' ')]
    .map(csvField)
    .join(',');
}

export { CSV_HEADER as RESULTS_CSV_HEADER };

function toJob(record: AnnotationJobRecord): AnnotationJob {
  // The evaluation column is written only by `run` below, from an `Evaluation`.
  return { ...record, evaluation: (record.evaluation ?? null) as Evaluation | null };
}

export class AnnotationJobs {
  constructor(
    private readonly runtime: Runtime,
    private readonly parts: () => Promise<FileAnnotationParts>,
  ) {}

  /** Validates the request and the file, stores the job and queues it. */
  async start(given: AnnotateFileRequest): Promise<AnnotationJob> {
    const request = parseAnnotateFileRequest(given);
    const file = await openQueryFile(await this.parts(), request);
    try {
      const job = await jobStore.createAnnotationJob(this.runtime.db, {
        fileName: basename(file.request.path),
        sourcePath: file.request.path,
        options: file.request,
        truthColumn: request.truthColumn ?? null,
        valuesReadAs: file.valuesReadAs,
        modelId: this.runtime.model.id,
        totalCells: file.source.nCells,
      });
      await this.runtime.queue.enqueueAnnotation({ annotationJobId: job.id });
      this.runtime.log(`annotation job ${job.id}: ${file.source.nCells} cells of ${job.fileName}, values read as ${file.valuesReadAs}`);
      return toJob(job);
    } finally {
      await file.close();
    }
  }

  async job(id: number): Promise<AnnotationJob | null> {
    const record = await jobStore.getAnnotationJob(this.runtime.db, id);
    return record === null ? null : toJob(record);
  }

  private async existing(id: number, field: string): Promise<AnnotationJob> {
    const job = await this.job(id);
    if (job === null) throw new AtlasError('NOT_FOUND', `No annotation job with id ${id}.`, { field });
    return job;
  }

  async results(id: number, page: { offset: number; limit: number; status?: AnnotationStatus }): Promise<AnnotationResultPage> {
    await this.existing(id, 'jobId');
    return jobStore.annotationResultPage(this.runtime.db, id, page);
  }

  /**
   * Stops a queued or running job: its worker stops at the next slice (results stored so far stay
   * readable). JOB_NOT_CANCELLABLE once it has ended.
   */
  async cancel(id: number): Promise<AnnotationJob> {
    const job = await this.existing(id, 'id');
    if (!(await jobStore.cancelAnnotationJob(this.runtime.db, id))) {
      throw new AtlasError('JOB_NOT_CANCELLABLE', `Annotation job ${id} has already ended (${job.state}).`, { field: 'id' });
    }
    this.runtime.log(`annotation job ${id} cancelled`);
    return this.existing(id, 'id');
  }

  /** Cells per given label (`unassigned` for the abstentions), most first. */
  async labelCounts(id: number): Promise<LabelCount[]> {
    return (await jobStore.annotationLabelCounts(this.runtime.db, id)).map((c) => ({ label: c.label ?? UNASSIGNED, cells: c.cells }));
  }

  /** The results as CSV text, a header then one line per cell in file order. */
  async *csv(id: number): AsyncIterable<string> {
    await this.existing(id, 'id');
    yield `${CSV_HEADER}\n`;
    for await (const page of jobStore.allAnnotationResults(this.runtime.db, id)) yield page.map((r) => `${resultCsvLine(r)}\n`).join('');
  }

  /** Yields the job on every change of state or progress until it has ended, or `signal` aborts. */
  watch(id: number, signal?: AbortSignal): AsyncIterable<AnnotationJob> {
    return pollJob(() => this.existing(id, 'jobId'), signal);
  }

  /** Source files of unfinished jobs (uploads the sweep must keep). */
  sourcesInUse(): Promise<string[]> {
    return jobStore.annotationSourcesInUse(this.runtime.db);
  }

  /** On a worker's start: queue again the jobs a crash left unfinished (a duplicate message finds them done). */
  async resumeUnfinished(): Promise<void> {
    for (const id of await jobStore.unfinishedAnnotationJobs(this.runtime.db)) {
      await this.runtime.queue.enqueueAnnotation({ annotationJobId: id });
      this.runtime.log(`resuming annotation job ${id}`);
    }
  }

  /**
   * Runs a job (the queue's handler). Refusals (AtlasError, e.g. values of a later slice that break
   * the file's reading) fail the job at once; other errors are retried by the queue, then fail it.
   */
  async run(id: number, attempt = 0, maxAttempts = 3): Promise<void> {
    const { db } = this.runtime;
    const record = await jobStore.getAnnotationJob(db, id);
    if (!record || !(await jobStore.markAnnotationJobStarted(db, id))) return;
    try {
      const request = parseAnnotateFileRequest(record.options);
      const parts = await this.parts();
      const file = await openQueryFile(parts, request);
      try {
        const done = await jobStore.storedAnnotationRows(db, id);
        // False once the job was cancelled (or ended elsewhere): the rest of the file is left unread.
        let active = true;
        await annotateQueryFile(
          parts,
          file,
          async (rows) => (active = await jobStore.storeAnnotationResults(db, id, rows)),
          (row) => done.has(row),
        );
        if (!active) return;
      } finally {
        await file.close();
      }
      let evaluation: Evaluation | null = null;
      if (request.truthColumn !== undefined) {
        const rows: EvaluatedRow[] = [];
        for await (const page of jobStore.allAnnotationResults(db, id)) rows.push(...page);
        evaluation = await evaluateRows(parts, rows, request.candidates, request.truthMap);
      }
      await jobStore.endAnnotationJob(db, id, { state: 'SUCCEEDED', evaluation });
      this.runtime.log(`annotation job ${id} finished`);
    } catch (error) {
      if (isAtlasError(error) || attempt + 1 >= maxAttempts) {
        const code = isAtlasError(error) ? error.code : 'INTERNAL';
        const message = error instanceof Error ? error.message : String(error);
        this.runtime.log(`annotation job ${id} failed: ${code}: ${message}`);
        await jobStore.endAnnotationJob(db, id, { state: 'FAILED', code, message });
        return;
      }
      throw error;
    }
  }
}
