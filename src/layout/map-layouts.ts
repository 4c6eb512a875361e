/**
 * What the explorer's map reads: the current layout version and its state, its coordinates, and
 * one colour code per cell for a column (cell type, the reference's own label, dataset, a metadata
 * key). Category codes are computed per (version, column, atlas census) and kept in a small cache:
 * a million cells' codes take one query and a pass, and the map asks for the same column again on
 * every page load.
 */
import type { Database } from '../store/database.ts';
import { labelMapsVersion } from '../store/label-maps.ts';
import {
  atlasCensus,
  cellCategories,
  currentLayout,
  latestLayoutRun,
  layoutPoints,
  metadataColumns,
  type CategoryColumn,
  type LayoutPoints,
  type LayoutRecord,
} from '../store/layouts.ts';

/** A cell on the map that is no longer in the atlas (its dataset was deleted since the layout). */
export const HIDDEN_CODE = 0xffff;
/** Beyond this many values a column's rarest ones share one colour ("other"); a legend of thousands helps nobody. */
export const MAX_CATEGORIES = 40;
export const NO_VALUE = '(no value)';

export interface MapStatus {
  /** The version the map draws, or null before the first layout is ready. */
  readonly current: LayoutRecord | null;
  /** The newest run when it is not the current one: RUNNING (with progress) or FAILED. */
  readonly pending: LayoutRecord | null;
  /** What the map can be coloured by. */
  readonly colorBy: string[];
}

/** Similarity of every map cell to a text: the best `scored` cells exactly, the rest below `floor`. */
export interface HeatValues {
  /** How many of the map's cells were scored (the k most similar). */
  readonly scored: number;
  /** The lowest similarity among scored cells: every unscored cell is at most this similar. */
  readonly floor: number;
  readonly ceiling: number;
  /** One per layout cell; NaN where not scored. */
  readonly similarities: Float32Array;
}

/** Source of text similarities (the atlas's search over the vector index). */
export type TextSimilarities = (text: string, k: number) => Promise<readonly { cellId: number; similarity: number }[]>;

/** Cells scored for the heat mode: every cell of a small atlas, the most similar 20,000 of a large one. */
export const HEAT_CELLS = 20_000;

export interface CategoryCodes {
  readonly categories: { name: string; cells: number }[];
  /** One code per layout cell (index into `categories`), HIDDEN_CODE where the cell is gone. */
  readonly codes: Uint16Array;
}

/** `label`, `sourceLabel`, `dataset` or `metadata.<key>`; null for anything else. */
export function parseColumn(by: string): CategoryColumn | null {
  if (by === 'label') return { kind: 'label' };
  if (by === 'sourceLabel') return { kind: 'sourceLabel' };
  if (by === 'dataset') return { kind: 'dataset' };
  if (by.startsWith('metadata.') && by.length > 'metadata.'.length && by.length <= 200) return { kind: 'metadata', key: by.slice('metadata.'.length) };
  return null;
}

/**
 * Codes for `values` (by layout position): categories by cell count, most first; past
 * MAX_CATEGORIES − 1 values the rest are folded into one "other (N values)" category.
 */
export function encodeCategories(values: readonly (string | null | undefined)[]): CategoryCodes {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== undefined) counts.set(value ?? NO_VALUE, (counts.get(value ?? NO_VALUE) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = ranked.length > MAX_CATEGORIES ? ranked.slice(0, MAX_CATEGORIES - 1) : ranked;
  const categories = shown.map(([name, cells]) => ({ name, cells }));
  const codeOf = new Map(shown.map(([name], i) => [name, i]));
  if (ranked.length > shown.length) {
    const rest = ranked.slice(shown.length);
    categories.push({ name: `other (${rest.length} values)`, cells: rest.reduce((sum, [, cells]) => sum + cells, 0) });
  }
  const otherCode = categories.length - 1;
  const codes = new Uint16Array(values.length);
  values.forEach((value, i) => {
    codes[i] = value === undefined ? HIDDEN_CODE : (codeOf.get(value ?? NO_VALUE) ?? otherCode);
  });
  return { categories, codes };
}

export class MapLayouts {
  private readonly cache = new Map<string, Promise<CategoryCodes | null>>();

  constructor(
    private readonly db: Database,
    private readonly modelId: string,
    private readonly similarities: TextSimilarities,
  ) {}

  /** Similarity of a READY version's cells to a text, or null when the version is gone. */
  async heat(version: number, text: string): Promise<HeatValues | null> {
    const points = await layoutPoints(this.db, version);
    if (!points) return null;
    const hits = await this.similarities(text, Math.max(1, Math.min(HEAT_CELLS, points.cellIds.length)));
    const position = new Map<number, number>();
    points.cellIds.forEach((id, i) => position.set(id, i));
    const similarities = new Float32Array(points.cellIds.length).fill(Number.NaN);
    let floor = Infinity;
    let ceiling = -Infinity;
    let scored = 0;
    for (const hit of hits) {
      const at = position.get(hit.cellId);
      if (at === undefined) continue;
      similarities[at] = hit.similarity;
      floor = Math.min(floor, hit.similarity);
      ceiling = Math.max(ceiling, hit.similarity);
      scored += 1;
    }
    return { scored, floor: scored > 0 ? floor : 0, ceiling: scored > 0 ? ceiling : 0, similarities };
  }

  async status(): Promise<MapStatus> {
    const [current, latest, columns] = await Promise.all([currentLayout(this.db, this.modelId), latestLayoutRun(this.db, this.modelId), metadataColumns(this.db, this.modelId)]);
    const pending = latest && latest.version !== current?.version ? latest : null;
    return { current, pending, colorBy: ['label', 'sourceLabel', 'dataset', ...columns.map((key) => `metadata.${key}`)] };
  }

  points(version: number): Promise<LayoutPoints | null> {
    return layoutPoints(this.db, version);
  }

  /** Category codes of a READY version's cells, or null when the version is gone. */
  async categories(version: number, column: CategoryColumn): Promise<CategoryCodes | null> {
    // Harmonised labels change when an admin remaps one: the map's version of them is part of the key.
    const [census, mappings] = await Promise.all([atlasCensus(this.db, this.modelId), column.kind === 'label' ? labelMapsVersion(this.db) : '']);
    const key = `${version}|${JSON.stringify(column)}|${JSON.stringify(census)}|${mappings}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.computeCategories(version, column);
      this.cache.set(key, entry);
      entry.catch(() => this.cache.delete(key));
      // Least recently added goes first; eight columns cover a session of colour switching.
      while (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value!);
    }
    const codes = await entry;
    if (codes === null) this.cache.delete(key);
    return codes;
  }

  private async computeCategories(version: number, column: CategoryColumn): Promise<CategoryCodes | null> {
    const points = await layoutPoints(this.db, version);
    if (!points) return null;
    const byId = await cellCategories(this.db, this.modelId, column);
    return encodeCategories(Array.from(points.cellIds, (id) => (byId.has(id) ? byId.get(id)! : undefined)));
  }
}
