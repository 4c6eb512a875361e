/**
 * The layout job: brings the explorer's map up to date with the atlas. It runs on the queue (any
 * worker process), after an ingestion completes or a dataset is deleted, and writes a new layout
 * version only when done — queries and the map keep using the previous version meanwhile.
 *
 * Two ways to a new version:
 * - fit: UMAP on a sample of the visible cells' embeddings, every other cell placed by its nearest
 *   sampled cells (first layout, or when the atlas changed by more than `refitFraction`);
 * - extend: cells already on the map keep their place, new cells are placed by their nearest
 *   placed cells, deleted cells drop out — cheap, and the picture a user knows does not move.
 */
import type { IngestQueue } from '../ingest/queue.ts';
import { AnchorIndex } from '../index/anchor-index.ts';
import type { Database } from '../store/database.ts';
import { ATLAS_CHANNEL } from '../store/jobs.ts';
import {
  atlasCensus,
  cellEmbeddings,
  createLayoutRun,
  currentLayout,
  failAbandonedLayouts,
  failLayout,
  finishLayout,
  getLayout,
  layoutPoints,
  streamVisibleEmbeddings,
  updateLayoutProgress,
  visibleCellIds,
  type AtlasCensus,
  type LayoutRecord,
} from '../store/layouts.ts';
import { DEFAULT_UMAP_SETTINGS, fitUmap, placeByNeighbours, sampleRows, seededRandom, type UmapSettings } from './umap-layout.ts';

export interface LayoutContext {
  readonly db: Database;
  readonly modelId: string;
  readonly embeddingDim: number;
  readonly log: (message: string) => void;
}

export interface LayoutPolicy {
  readonly umap: UmapSettings;
  /** Refit when cells added plus cells removed exceed this share of the current map; extend otherwise. */
  readonly refitFraction: number;
}

export const DEFAULT_LAYOUT_POLICY: LayoutPolicy = { umap: DEFAULT_UMAP_SETTINGS, refitFraction: 0.2 };

/** Cells added plus cells removed between two censuses (a dataset counts whole). */
export function censusChange(before: AtlasCensus, after: AtlasCensus): number {
  let changed = 0;
  for (const id of new Set([...Object.keys(before), ...Object.keys(after)])) changed += Math.abs((after[id] ?? 0) - (before[id] ?? 0));
  return changed;
}

/** What the map needs now: nothing, an extension of the current version, or a new fit. */
export function layoutDecision(current: Pick<LayoutRecord, 'atlas' | 'totalCells'> | null, census: AtlasCensus, refitFraction: number): 'fit' | 'extend' | null {
  const cells = Object.values(census).reduce((a, b) => a + b, 0);
  if (cells === 0) return current === null || current.totalCells === 0 ? null : 'extend';
  if (current === null || current.totalCells === 0) return 'fit';
  const changed = censusChange(current.atlas, census);
  if (changed === 0) return null;
  return changed / current.totalCells > refitFraction ? 'fit' : 'extend';
}

export async function layoutNeeded(ctx: LayoutContext, policy: LayoutPolicy): Promise<'fit' | 'extend' | null> {
  return layoutDecision(await currentLayout(ctx.db, ctx.modelId), await atlasCensus(ctx.db, ctx.modelId), policy.refitFraction);
}

/** Throttled progress writes: the map's status line reads them, a million writes would not help it. */
function progressWriter(db: Database, version: number): (stage: string, processedCells: number, sampleCells?: number) => Promise<void> {
  let last = 0;
  return async (stage, processedCells, sampleCells) => {
    const now = performance.now();
    if (now - last < 500) return;
    last = now;
    await updateLayoutProgress(db, version, { stage, processedCells, ...(sampleCells === undefined ? {} : { sampleCells }) });
  };
}

/** Position of `id` in ascending `ids`, or -1. */
function indexOfId(ids: Int32Array, id: number): number {
  let lo = 0, hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = ids[mid]!;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Computes and stores a new layout version when the atlas needs one; returns it, or null when the
 * map was already up to date. Failures are stored on the version (and rethrown for the queue).
 */
export async function computeLayout(ctx: LayoutContext, policy: LayoutPolicy = DEFAULT_LAYOUT_POLICY): Promise<LayoutRecord | null> {
  const { db, modelId, embeddingDim: dim } = ctx;
  await failAbandonedLayouts(db, modelId, new Date(Date.now() - 4 * 3600_000));
  const census = await atlasCensus(db, modelId);
  const current = await currentLayout(db, modelId);
  const method = layoutDecision(current, census, policy.refitFraction);
  if (method === null) return null;
  const ids = await visibleCellIds(db, modelId);
  const version = await createLayoutRun(db, {
    modelId,
    method,
    basedOn: method === 'extend' ? current!.version : null,
    params: { ...policy.umap, refitFraction: policy.refitFraction },
    atlas: census,
    totalCells: ids.length,
  });
  const started = performance.now();
  const progress = progressWriter(db, version);
  try {
    // Coordinates by position in `ids`; NaN until placed.
    const coords = new Float32Array(2 * ids.length).fill(Number.NaN);
    let placed = 0;
    let anchors: AnchorIndex;
    let anchorCoords: Float32Array;
    let sampleCells: number;
    const random = seededRandom(policy.umap.seed + version);
    if (method === 'fit') {
      const rows = sampleRows(ids.length, policy.umap.sampleSize, random);
      const sample = await cellEmbeddings(db, Array.from(rows, (row) => ids[row]!), dim);
      sampleCells = sample.ids.length;
      await updateLayoutProgress(db, version, { stage: `fitting UMAP on ${sampleCells} sampled cells`, processedCells: 0, sampleCells });
      const fitted = await fitUmap(sample.embeddings, dim, policy.umap, (epoch, total) =>
        progress(`fitting UMAP on ${sampleCells} sampled cells (epoch ${epoch}/${total})`, 0, sampleCells),
      );
      anchors = fitted.index;
      anchorCoords = fitted.coords;
      sample.ids.forEach((id, i) => {
        const at = indexOfId(ids, id);
        coords[2 * at] = fitted.coords[2 * i]!;
        coords[2 * at + 1] = fitted.coords[2 * i + 1]!;
      });
      placed = sampleCells;
    } else {
      const before = (await layoutPoints(db, current!.version))!;
      const kept: number[] = [];
      for (let i = 0; i < before.cellIds.length; i++) {
        const at = indexOfId(ids, before.cellIds[i]!);
        if (at < 0) continue;
        coords[2 * at] = before.coords[2 * i]!;
        coords[2 * at + 1] = before.coords[2 * i + 1]!;
        kept.push(i);
      }
      placed = kept.length;
      const anchorRows = sampleRows(kept.length, policy.umap.sampleSize, random);
      const anchorIds = Array.from(anchorRows, (r) => before.cellIds[kept[r]!]!);
      const sample = await cellEmbeddings(db, anchorIds, dim);
      sampleCells = sample.ids.length;
      anchors = await AnchorIndex.buildInSlices(sample.embeddings, dim, { seed: policy.umap.seed });
      anchorCoords = new Float32Array(2 * sampleCells);
      sample.ids.forEach((id, i) => {
        const at = indexOfId(before.cellIds, id);
        anchorCoords[2 * i] = before.coords[2 * at]!;
        anchorCoords[2 * i + 1] = before.coords[2 * at + 1]!;
      });
    }
    if (sampleCells > 0) {
      // Pages of 1,024 cells: placing one takes ~0.1 s, a slice the event loop can afford.
      for await (const page of streamVisibleEmbeddings(db, modelId, dim, 1024)) {
        const todo: number[] = [];
        const positions: number[] = [];
        for (let i = 0; i < page.ids.length; i++) {
          const at = indexOfId(ids, page.ids[i]!);
          // Cells that became visible after the run started wait for the next version.
          if (at >= 0 && Number.isNaN(coords[2 * at]!)) {
            todo.push(i);
            positions.push(at);
          }
        }
        if (todo.length === 0) continue;
        const vectors = new Float32Array(todo.length * dim);
        todo.forEach((row, j) => vectors.set(page.embeddings.subarray(row * dim, (row + 1) * dim), j * dim));
        const xy = placeByNeighbours(anchors, anchorCoords, vectors, dim, policy.umap.placeNeighbors);
        positions.forEach((at, j) => {
          coords[2 * at] = xy[2 * j]!;
          coords[2 * at + 1] = xy[2 * j + 1]!;
        });
        placed += todo.length;
        await progress('placing cells by their nearest sampled cells', placed, sampleCells);
      }
    }
    // Cells deleted while the run read the embeddings have no place: leave them out.
    const keep: number[] = [];
    for (let i = 0; i < ids.length; i++) if (!Number.isNaN(coords[2 * i]!)) keep.push(i);
    const points = { cellIds: Int32Array.from(keep, (i) => ids[i]!), coords: new Float32Array(2 * keep.length) };
    keep.forEach((i, j) => {
      points.coords[2 * j] = coords[2 * i]!;
      points.coords[2 * j + 1] = coords[2 * i + 1]!;
    });
    const seconds = (performance.now() - started) / 1000;
    await finishLayout(db, version, points, seconds);
    ctx.log(`layout v${version} (${method}): ${points.cellIds.length} cells in ${seconds.toFixed(1)} s, UMAP on ${sampleCells} of them`);
    return getLayout(db, version);
  } catch (error) {
    await failLayout(db, version, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    throw error;
  }
}

/**
 * Keeps the map in step with the atlas in a worker process: computes layouts from the queue and,
 * whenever a job or dataset changes (any process, by LISTEN/NOTIFY) or at start, queues a layout
 * if the atlas no longer matches the current one. Returns a function that stops listening.
 */
export async function keepLayoutCurrent(ctx: LayoutContext, queue: IngestQueue, policy: LayoutPolicy = DEFAULT_LAYOUT_POLICY): Promise<() => Promise<void>> {
  await queue.workLayouts(async () => {
    await computeLayout(ctx, policy);
  });
  let timer: NodeJS.Timeout | undefined;
  const check = async (reason: string) => {
    try {
      if ((await layoutNeeded(ctx, policy)) !== null) await queue.enqueueLayout({ reason });
    } catch (error) {
      ctx.log(`layout: could not check the map against the atlas: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  // Chunks notify too; wait until a burst of notifications settles before looking.
  const stop = await ctx.db.listen(ATLAS_CHANNEL, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void check('the atlas changed'), 1000);
  });
  await check('start');
  return async () => {
    clearTimeout(timer);
    await stop();
  };
}
