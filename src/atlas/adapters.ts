/**
 * "Teach the atlas": few-shot adapters fitted on labelled reference cells (a labelled dataset's
 * harmonised labels, or cell ids with labels), stored, listed and chosen per annotation. The math
 * is in model/adapters.ts; this gathers the cells, splits them and keeps the result.
 */
import { AtlasError } from '../errors.ts';
import { seededRandom } from '../layout/seeded-random.mjs';
import { fitCacheAdapter, fitLinearAdapter, predictAdapter, type AdapterFit, type AdapterKind, type LabelledEmbeddings } from '../model/adapters.ts';
import type { LangCellModel } from '../model/langcell.ts';
import { getCellVectors, sampleCells } from '../store/cells.ts';
import type { Database } from '../store/database.ts';
import { getDataset } from '../store/datasets.ts';
import { deleteAdapter, getAdapter, listAdapters, saveAdapter, type AdapterRecord } from '../store/adapters.ts';
import type { LabelMaps } from './label-maps.ts';
import type { LabelCatalogue } from './labels.ts';
import type { LabelRecord } from './types.ts';

export interface AdaptRequest {
  readonly name: string;
  /** A labelled reference dataset by name (its harmonised labels are the truth)… */
  readonly dataset?: string;
  /** …or cells by id with label names. */
  readonly cells?: readonly { readonly cellId: number; readonly label: string }[];
  /** Training cells per label (LangCell's n-shot); default: every cell not held out for validation. */
  readonly shots?: number;
  /** `auto` fits both and keeps the one better on validation cells. */
  readonly kind?: AdapterKind | 'auto';
  readonly seed?: number;
}

export interface AdapterSummary {
  readonly id: number;
  readonly name: string;
  readonly modelId: string;
  readonly kind: AdapterKind;
  readonly labels: readonly string[];
  readonly blend: number;
  readonly validation: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

/** A labelled reference cell: its id (kept out of the decision's validation cells), embedding and harmonised label. */
interface LabelledCell {
  readonly cellId: number;
  readonly embedding: Float32Array;
  readonly labelId: number;
}

/** Validation cells per label: held out from training to choose β, a and the blend. */
const VALIDATION_PER_LABEL = 20;
/** A reference is read up to this many cells for an adapter. */
const MAX_ADAPTER_CELLS = 50_000;

/** A deterministic shuffle, so the same seed picks the same shots. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function summarize(adapter: AdapterRecord, labels: ReadonlyMap<number, LabelRecord>): AdapterSummary {
  return {
    id: adapter.id,
    name: adapter.name,
    modelId: adapter.modelId,
    kind: adapter.kind,
    labels: adapter.labelIds.map((id) => labels.get(id)?.name ?? `(deleted label ${id})`),
    blend: adapter.params.blend,
    validation: adapter.validation,
    createdAt: adapter.createdAt,
  };
}

export class Adapters {
  constructor(
    private readonly db: Database,
    private readonly model: LangCellModel,
    private readonly catalogue: LabelCatalogue,
    private readonly labelMaps: LabelMaps,
  ) {}

  private async labelsById(): Promise<Map<number, LabelRecord>> {
    return new Map((await this.catalogue.current()).labels.map((label) => [label.id, label]));
  }

  async list(): Promise<AdapterSummary[]> {
    const labels = await this.labelsById();
    return (await listAdapters(this.db)).map((adapter) => summarize(adapter, labels));
  }

  async delete(id: number): Promise<AdapterSummary> {
    const labels = await this.labelsById();
    const deleted = await deleteAdapter(this.db, id);
    if (!deleted) throw new AtlasError('NOT_FOUND', `No adapter with id ${id}.`, { field: 'id' });
    return summarize(deleted, labels);
  }

  /** The adapter by name, checked against the model and labels in use (ADAPTER_STALE otherwise). */
  async usable(name: string): Promise<AdapterRecord> {
    const adapter = await getAdapter(this.db, { name });
    if (!adapter) throw new AtlasError('NOT_FOUND', `No adapter named "${name}"; list them with adapters (API) or \`langcell-atlas adapt --list\`.`, { field: 'adapter' });
    if (adapter.modelId !== this.model.id) {
      throw new AtlasError('ADAPTER_STALE', `Adapter "${name}" was fitted on embeddings of model ${adapter.modelId}, but this atlas runs ${this.model.id}; fit it again.`, { field: 'adapter' });
    }
    const labels = await this.labelsById();
    const missing = adapter.labelIds.filter((id) => !labels.has(id));
    if (missing.length > 0) {
      throw new AtlasError('ADAPTER_STALE', `Adapter "${name}" predicts ${missing.length} labels that no longer exist; fit it again.`, { field: 'adapter' });
    }
    return adapter;
  }

  /**
   * P(candidate) per query embedding (row-major): the adapter's probabilities over its own labels,
   * moved onto the candidates (a candidate it does not know gets 0) and renormalised.
   */
  async predict(adapter: AdapterRecord, queries: Float32Array, candidates: readonly LabelRecord[]): Promise<Float64Array[]> {
    const labels = await this.labelsById();
    const text = await this.textEmbeddings(adapter.labelIds.map((id) => labels.get(id)!));
    const weights = { ...adapter.params, kind: adapter.kind, classCount: adapter.labelIds.length, matrix: adapter.matrix, cacheClasses: adapter.cacheClasses };
    const classOf = new Map(adapter.labelIds.map((id, c) => [id, c]));
    return predictAdapter(weights, text, queries).map((probabilities) => {
      const moved = Float64Array.from(candidates, (label) => {
        const c = classOf.get(label.id);
        return c === undefined ? 0 : probabilities[c]!;
      });
      const sum = moved.reduce((a, b) => a + b, 0);
      return sum > 0 ? moved.map((p) => p / sum) : moved.fill(1 / candidates.length);
    });
  }

  private async textEmbeddings(labels: readonly LabelRecord[]): Promise<Float32Array> {
    const catalogue = await this.catalogue.current();
    const dim = this.model.embeddingDim;
    const index = new Map(catalogue.labels.map((label, i) => [label.id, i]));
    const out = new Float32Array(labels.length * dim);
    labels.forEach((label, i) => out.set(catalogue.embeddings.subarray(index.get(label.id)! * dim, (index.get(label.id)! + 1) * dim), i * dim));
    return out;
  }

  /** Labelled cells of the request as (embedding, label id), harmonised. */
  private async labelledCells(request: AdaptRequest): Promise<LabelledCell[]> {
    if (request.dataset !== undefined) {
      const dataset = await getDataset(this.db, { name: request.dataset });
      if (!dataset || dataset.state !== 'READY') throw new AtlasError('NOT_FOUND', `No complete dataset named "${request.dataset}".`, { field: 'dataset' });
      if (dataset.labelColumn === null) throw new AtlasError('INVALID_INPUT', `Dataset "${request.dataset}" has no label column; give cells with labels instead.`, { field: 'dataset' });
      const lookup = await this.labelMaps.lookup();
      const cells = await sampleCells(this.db, [dataset.id], MAX_ADAPTER_CELLS, 'adapter');
      return cells.flatMap((cell) => {
        const labelId = lookup.labelIdOf(cell.datasetId, cell.label);
        return labelId === null ? [] : [{ cellId: cell.id, embedding: cell.embedding, labelId }];
      });
    }
    const given = request.cells ?? [];
    const byName = new Map((await this.catalogue.current()).labels.map((label) => [label.name, label]));
    const unknown = [...new Set(given.map((c) => c.label))].filter((name) => !byName.has(name));
    if (unknown.length > 0) throw new AtlasError('NOT_FOUND', `Unknown labels: ${unknown.slice(0, 5).join(', ')}.`, { field: 'cells' });
    const stored = await getCellVectors(this.db, given.map((c) => c.cellId));
    const missing = given.filter((c) => !stored.has(c.cellId));
    if (missing.length > 0) throw new AtlasError('NOT_FOUND', `No visible cells with ids ${missing.slice(0, 5).map((c) => c.cellId).join(', ')}.`, { field: 'cells' });
    return given.map((c) => ({ cellId: c.cellId, embedding: stored.get(c.cellId)!.embedding, labelId: byName.get(c.label)!.id }));
  }

  async fit(request: AdaptRequest, log: (message: string) => void = () => undefined): Promise<AdapterSummary> {
    if (!request.name.trim()) throw new AtlasError('INVALID_INPUT', 'An adapter needs a name.', { field: 'name' });
    if ((request.dataset === undefined) === (request.cells === undefined)) {
      throw new AtlasError('INVALID_INPUT', 'Give exactly one of a labelled dataset and a list of labelled cells.', { field: 'dataset' });
    }
    if (request.shots !== undefined && (!Number.isInteger(request.shots) || request.shots < 1)) {
      throw new AtlasError('INVALID_INPUT', `shots must be a positive integer (got ${request.shots}).`, { field: 'shots' });
    }
    const cells = await this.labelledCells(request);
    const byLabel = new Map<number, LabelledCell[]>();
    for (const cell of cells) byLabel.set(cell.labelId, [...(byLabel.get(cell.labelId) ?? []), cell]);
    const seed = request.seed ?? 2024;
    const train: LabelledCell[] = [];
    const valid: LabelledCell[] = [];
    const short: string[] = [];
    const labels = await this.labelsById();
    const capped: string[] = [];
    for (const [labelId, rows] of [...byLabel].sort((a, b) => a[0] - b[0])) {
      const order = shuffled(rows, seed + labelId);
      const validationCount = Math.min(VALIDATION_PER_LABEL, Math.floor(order.length / 2));
      const available = order.length - validationCount;
      if (validationCount < 1) {
        short.push(`${labels.get(labelId)?.name ?? labelId} (${order.length} cell)`);
        continue;
      }
      // A label with fewer cells than the shots asked for trains on what it has (reported, not hidden).
      const shots = Math.min(request.shots ?? available, available);
      if (request.shots !== undefined && shots < request.shots) capped.push(`${labels.get(labelId)?.name ?? labelId}: ${shots} of its ${order.length} (the other ${validationCount} choose the blend)`);
      valid.push(...order.slice(0, validationCount));
      train.push(...order.slice(validationCount, validationCount + shots));
    }
    if (short.length > 0) {
      throw new AtlasError(
        'TOO_FEW_CELLS',
        `Each label needs at least two labelled cells (one to train on, one to choose the blend on); too few in: ${short.slice(0, 5).join(', ')}. ` +
          'Add cells of those labels, or leave them out of the reference.',
        { field: 'cells' },
      );
    }
    if (capped.length > 0) log(`adapter: fewer than ${request.shots} training cells for ${capped.join('; ')}`);
    const labelIds = [...byLabel.keys()].sort((a, b) => a - b);
    if (labelIds.length < 2) throw new AtlasError('TOO_FEW_CELLS', 'An adapter needs labelled cells of at least two labels.', { field: 'cells' });
    const classOf = new Map(labelIds.map((id, c) => [id, c]));
    const dim = this.model.embeddingDim;
    const pack = (rows: typeof train): LabelledEmbeddings => {
      const embeddings = new Float32Array(rows.length * dim);
      rows.forEach((row, i) => embeddings.set(row.embedding, i * dim));
      return { embeddings, classes: Int32Array.from(rows, (row) => classOf.get(row.labelId)!) };
    };
    const text = await this.textEmbeddings(labelIds.map((id) => labels.get(id)!));
    const temperature = this.model.bundle.manifest.scoring.temperature;
    const kinds: AdapterKind[] = request.kind === undefined || request.kind === 'auto' ? ['cache', 'linear'] : [request.kind];
    let chosen: AdapterFit | null = null;
    const figures: Record<string, unknown> = {};
    for (const kind of kinds) {
      const started = performance.now();
      const fit = kind === 'cache' ? fitCacheAdapter(pack(train), pack(valid), text, dim, temperature) : fitLinearAdapter(pack(train), pack(valid), text, dim, temperature);
      figures[kind] = { ...fit.validation, blend: fit.weights.blend, seconds: (performance.now() - started) / 1000 };
      log(`adapter ${kind}: validation accuracy ${fit.validation.accuracy.toFixed(3)} (zero-shot ${fit.validation.zeroShotAccuracy.toFixed(3)}), blend ${fit.weights.blend}`);
      if (!chosen || fit.validation.accuracy > chosen.validation.accuracy) chosen = fit;
    }
    const { weights } = chosen!;
    const saved = await saveAdapter(this.db, {
      name: request.name.trim(),
      modelId: this.model.id,
      kind: weights.kind,
      labelIds,
      matrix: weights.matrix,
      cacheClasses: weights.cacheClasses,
      params: { beta: weights.beta, cacheWeight: weights.cacheWeight, blend: weights.blend, temperature, dim },
      validation: {
        ...figures,
        chosen: weights.kind,
        trainCells: train.length,
        validationCells: valid.length,
        shots: request.shots ?? null,
        cappedLabels: capped,
        seed,
        source: request.dataset ?? 'cells',
        trainCellIds: train.map((row) => row.cellId),
      },
    });
    return summarize(saved, labels);
  }
}
