/**
 * The ingestion work queue: pg-boss on the atlas's own PostgreSQL, one queue job per chunk, so
 * any number of worker processes (on any number of machines sharing the database) can take a
 * large atlas's chunks. Delivery is at-least-once; `commitChunk` makes storing exactly-once.
 *
 * Each chunk's message has an id derived from (job, chunk index), so queueing a chunk whose message
 * is still there (waiting, running, retrying) inserts nothing: repeat requests and resumes do not
 * pile up copies, and a deleted or cancelled job's messages can be removed by id.
 */
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { z } from 'zod';

export const CHUNK_QUEUE = 'ingest-chunk';
/** The explorer's map: one queued and one running layout at most (pg-boss 'stately' policy). */
export const LAYOUT_QUEUE = 'cell-layout';
/** A layout of a million cells reads a gigabyte of embeddings; a run this long has died. */
const LAYOUT_TIMEOUT_SECONDS = 4 * 3600;

const layoutMessageSchema = z.object({ reason: z.string().max(200) });
export type LayoutMessage = Readonly<z.infer<typeof layoutMessageSchema>>;
/** Annotation jobs (a whole query file each) have their own queue, taken by the same worker processes. */
export const ANNOTATION_QUEUE = 'annotate-file';
/** An annotation job not finished within this time is handed to another worker, which resumes it. */
const ANNOTATION_TIMEOUT_SECONDS = 6 * 3600;

const annotationMessageSchema = z.object({ annotationJobId: z.number().int().positive() });
export type AnnotationMessage = Readonly<z.infer<typeof annotationMessageSchema>>;

/** A queue payload: parsed when queued and again when taken (another version of a worker may have queued it). */
const chunkMessageSchema = z
  .object({
    jobId: z.number().int().positive(),
    index: z.number().int().min(0),
    start: z.number().int().min(0),
    end: z.number().int().min(0),
  })
  .refine((chunk) => chunk.end > chunk.start, { message: 'a chunk holds at least one cell (end > start)' });

export type ChunkMessage = Readonly<z.infer<typeof chunkMessageSchema>>;

export interface QueueOptions {
  /** A chunk not finished within this time is handed to another worker (crash recovery). */
  readonly chunkTimeoutSeconds: number;
  readonly pollingIntervalSeconds?: number;
}

/** The queue message id of a chunk: a UUID (version 8, custom) from sha256 of job and index. */
export function chunkMessageId(jobId: number, index: number): string {
  const hex = createHash('sha256').update(`langcell-chunk:${jobId}:${index}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class IngestQueue {
  private constructor(
    private readonly boss: PgBoss,
    private readonly options: QueueOptions,
    private readonly log: (message: string) => void,
  ) {}

  static async start(connectionString: string, options: QueueOptions, log: (message: string) => void): Promise<IngestQueue> {
    const boss = new PgBoss({ connectionString, max: 4, application_name: 'langcell-atlas-queue' });
    boss.on('error', (error: Error) => log(`queue: ${error.message}`));
    await boss.start();
    await boss.createQueue(CHUNK_QUEUE, { name: CHUNK_QUEUE, retryLimit: 3, retryDelay: 2, expireInSeconds: options.chunkTimeoutSeconds });
    await boss.createQueue(LAYOUT_QUEUE, { name: LAYOUT_QUEUE, policy: 'stately', retryLimit: 1, retryDelay: 30, expireInSeconds: LAYOUT_TIMEOUT_SECONDS });
    await boss.createQueue(ANNOTATION_QUEUE, { name: ANNOTATION_QUEUE, retryLimit: 2, retryDelay: 5, expireInSeconds: ANNOTATION_TIMEOUT_SECONDS });
    return new IngestQueue(boss, options, log);
  }

  async enqueue(chunks: readonly ChunkMessage[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.boss.insert(
      chunks.map((chunk) => ({
        id: chunkMessageId(chunk.jobId, chunk.index),
        name: CHUNK_QUEUE,
        data: chunkMessageSchema.parse(chunk),
        expireInSeconds: this.options.chunkTimeoutSeconds,
        retryLimit: 3,
        retryDelay: 2,
      })),
    );
  }

  /** Removes the messages of these chunks, in whatever state (a deleted or cancelled job's leftovers). */
  async discard(jobId: number, indexes: readonly number[]): Promise<void> {
    if (indexes.length === 0) return;
    await this.boss.deleteJob(CHUNK_QUEUE, indexes.map((index) => chunkMessageId(jobId, index)));
  }

  /**
   * Queues these chunks afresh, replacing their messages: for chunks whose worker is known to be
   * dead, whose messages would otherwise stay "active" until they expire (LANGCELL_CHUNK_TIMEOUT_S).
   */
  async reclaim(chunks: readonly ChunkMessage[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.boss.deleteJob(CHUNK_QUEUE, chunks.map((chunk) => chunkMessageId(chunk.jobId, chunk.index)));
    await this.enqueue(chunks);
  }

  /** When the chunk's message was taken by a worker, or null when it is not being worked on. */
  async takenAt(jobId: number, index: number): Promise<Date | null> {
    const message = await this.boss.getJobById(CHUNK_QUEUE, chunkMessageId(jobId, index));
    return message?.state === 'active' ? message.startedOn : null;
  }

  /** Messages waiting to be taken (not those being worked on). */
  waiting(): Promise<number> {
    return this.boss.getQueueSize(CHUNK_QUEUE);
  }

  /**
   * Processes chunks one at a time until `stop`. The handler's `attempt` counts from 0; a thrown
   * error is retried by pg-boss up to its retry limit; a payload that is not a chunk is dropped
   * (logged), since no retry could make it one.
   */
  async work(handler: (chunk: ChunkMessage, attempt: number) => Promise<void>): Promise<void> {
    await this.boss.work<unknown>(
      CHUNK_QUEUE,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 0.5 },
      async (jobs) => {
        for (const job of jobs) {
          const chunk = chunkMessageSchema.safeParse(job.data);
          if (!chunk.success) {
            this.log(`queue: dropped message ${job.id}, not a chunk: ${chunk.error.issues.map((issue) => issue.message).join('; ')}`);
            continue;
          }
          await handler(chunk.data, job.retryCount);
        }
      },
    );
  }

  /** Asks for the map to be brought up to date; while one is queued, another request adds nothing. */
  async enqueueLayout(message: LayoutMessage): Promise<void> {
    await this.boss.send(LAYOUT_QUEUE, layoutMessageSchema.parse(message), { singletonKey: 'layout', expireInSeconds: LAYOUT_TIMEOUT_SECONDS });
  }

  /** Computes layouts one at a time until `stop`; a payload that is not a layout request is dropped (logged). */
  async workLayouts(handler: (message: LayoutMessage) => Promise<void>): Promise<void> {
    await this.boss.work<unknown>(LAYOUT_QUEUE, { batchSize: 1, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 0.5 }, async (jobs) => {
      for (const job of jobs) {
        const message = layoutMessageSchema.safeParse(job.data);
        if (!message.success) {
          this.log(`queue: dropped message ${job.id}, not a layout request`);
          continue;
        }
        await handler(message.data);
      }
    });
  }

  /** Queues an annotation job (its id; the job row holds the request). */
  async enqueueAnnotation(message: AnnotationMessage): Promise<void> {
    await this.boss.send(ANNOTATION_QUEUE, annotationMessageSchema.parse(message), { retryLimit: 2, retryDelay: 5, expireInSeconds: ANNOTATION_TIMEOUT_SECONDS });
  }

  /** Processes annotation jobs one at a time until `stop`; like `work`, a payload that is not one is dropped (logged). */
  async workAnnotations(handler: (message: AnnotationMessage, attempt: number) => Promise<void>): Promise<void> {
    await this.boss.work<unknown>(
      ANNOTATION_QUEUE,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 0.5 },
      async (jobs) => {
        for (const job of jobs) {
          const message = annotationMessageSchema.safeParse(job.data);
          if (!message.success) {
            this.log(`queue: dropped message ${job.id}, not an annotation job: ${message.error.issues.map((issue) => issue.message).join('; ')}`);
            continue;
          }
          await handler(message.data, job.retryCount);
        }
      },
    );
  }

  /** Stops fetching; waits (bounded) for the chunk in hand so its transaction is not cut short. */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000, close: true });
  }
}
