/** Reference datasets and their ingestion jobs: list, ingest, follow, cancel, delete. */
import { AtlasError } from '../errors.ts';
import { cancelIngestion, removeDataset, startIngestion, type IngestionContext } from '../ingest/ingestion.ts';
import * as datasetStore from '../store/datasets.ts';
import { getJob } from '../store/jobs.ts';
import type { DatasetRecord, IngestionJobRecord, IngestRequest } from './types.ts';
import { pollJob } from './watch.ts';

export class Datasets {
  constructor(
    private readonly ingestion: IngestionContext,
    /** Called after a dataset is deleted, so that the index drops its cells at once. */
    private readonly afterDelete: () => Promise<void>,
  ) {}

  list(): Promise<DatasetRecord[]> {
    return datasetStore.listDatasets(this.ingestion.db);
  }

  byName(name: string): Promise<DatasetRecord | null> {
    return datasetStore.getDataset(this.ingestion.db, { name });
  }

  async delete(id: number): Promise<DatasetRecord> {
    const deleted = await removeDataset(this.ingestion, id);
    if (!deleted) throw new AtlasError('NOT_FOUND', `No dataset with id ${id}.`, { field: 'id' });
    await this.afterDelete();
    return deleted;
  }

  async ingest(request: IngestRequest, signal?: AbortSignal): Promise<IngestionJobRecord> {
    return (await startIngestion(this.ingestion, request, signal)).job;
  }

  job(id: number): Promise<IngestionJobRecord | null> {
    return getJob(this.ingestion.db, id);
  }

  cancel(id: number): Promise<IngestionJobRecord> {
    return cancelIngestion(this.ingestion, id);
  }

  /** Yields the job on every change of state or progress until it has ended, or `signal` aborts. */
  watch(id: number, signal?: AbortSignal): AsyncIterable<IngestionJobRecord> {
    return pollJob(async () => {
      const job = await getJob(this.ingestion.db, id);
      if (!job) throw new AtlasError('NOT_FOUND', `No ingestion job with id ${id}.`, { field: 'jobId' });
      return job;
    }, signal);
  }
}
