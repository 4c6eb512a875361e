/** Readiness for /healthz and the `health` query: the model id and, when the atlas reports it, the cells indexed. */
import type { Logger } from 'pino';
import type { AtlasApi } from '../atlas/types.ts';

export interface HealthReport {
  readonly ok: boolean;
  readonly modelId: string | null;
  readonly cellsIndexed: number | null;
  /** Why the service is not ok. */
  readonly reason?: 'closing' | 'atlas unavailable';
}

export async function checkHealth(atlas: AtlasApi, log: Logger, closing: boolean): Promise<HealthReport> {
  let modelId: string | null = null;
  try {
    modelId = atlas.model().bundleId;
    if (closing) return { ok: false, modelId, cellsIndexed: null, reason: 'closing' };
    const health = atlas.health ? await atlas.health() : null;
    return { ok: true, modelId, cellsIndexed: health?.indexedCells ?? null };
  } catch (error) {
    log.error({ err: error }, 'health check failed');
    return { ok: false, modelId, cellsIndexed: null, reason: 'atlas unavailable' };
  }
}
