/**
 * The WebGL map: regl-scatterplot over flat typed arrays (x, y, a category code and a heat value
 * per cell). regl-scatterplot keeps every point in a GPU texture and draws a million of them at
 * interactive frame rates, with pan/zoom, hover, click and lasso built in (see README: why this
 * library). Query cells from an annotated file are extra points after the atlas's own, drawn in
 * their own category.
 */
import createScatterplot from 'regl-scatterplot';
import type { CategoryColumn, MapPoints } from '../api/layout-data';
import { HIDDEN_COLOUR, viridis } from './palette';

type Scatterplot = ReturnType<typeof createScatterplot>;

export const QUERY_COLOUR = '#000000';
/** The layout spans [-1, 1]; drawn at 92% so the outermost clusters are not cut by the canvas edge. */
const MARGIN_SCALE = 0.92;

/** Dots big enough to see at a few thousand cells, small enough not to cover each other at a million. */
export function pointSizeFor(cells: number): number {
  return cells <= 10_000 ? 4 : cells <= 200_000 ? 3 : 2;
}

/** The text the heat colours compare cells with, and the cosine range from darkest to brightest. */
export interface HeatKey {
  readonly text: string;
  readonly floor: number;
  readonly ceiling: number;
}

export interface MapEvents {
  /** A cell was clicked (index into the atlas's points; query cells report -1 - their index). */
  onClick(index: number): void;
  /** Cells were lassoed (indices into the atlas's points). */
  onLasso(indices: number[]): void;
  onHover(index: number | null, at: [number, number] | null): void;
}

export class AtlasMap {
  private readonly plot: Scatterplot;
  private points: MapPoints | null = null;
  private codes: Float32Array = new Float32Array(0);
  private heat: Float32Array | null = null;
  private heatKeyShown: HeatKey | null = null;
  private query: { x: number; y: number }[] = [];
  private lassoing = false;
  private colours: string[] = [];
  private mode: 'category' | 'heat' = 'category';
  private highlighted: number[] = [];
  private hiddenCount = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly events: MapEvents,
  ) {
    this.plot = createScatterplot({
      canvas,
      pointSize: 3,
      pointSizeSelected: 3,
      pointOutlineWidth: 2,
      backgroundColor: [1, 1, 1, 1],
      pointColorActive: [0, 0, 0, 1],
      lassoColor: [0, 0, 0, 0.8],
      opacityInactiveScale: 0.35,
      deselectOnDblClick: true,
      deselectOnEscape: true,
    });
    this.plot.subscribe('lassoStart', () => (this.lassoing = true));
    this.plot.subscribe('select', ({ points }: { points: number[] }) => {
      if (this.lassoing) {
        this.lassoing = false;
        this.events.onLasso(points.filter((i) => i < this.atlasSize()));
        return;
      }
      const index = points[0];
      if (points.length === 1 && index !== undefined) this.events.onClick(index < this.atlasSize() ? index : -1 - (index - this.atlasSize()));
    });
    this.plot.subscribe('pointOver', (index: number) => this.events.onHover(index < this.atlasSize() ? index : null, this.plot.getScreenPosition(index) ?? null));
    this.plot.subscribe('pointOut', () => this.events.onHover(null, null));
  }

  atlasSize(): number {
    return this.points?.x.length ?? 0;
  }

  /** Draws the atlas, coloured by `column` (codes) with `colours` per category. */
  async show(points: MapPoints, column: CategoryColumn, colours: string[]): Promise<void> {
    this.points = points;
    this.setCodes(column, colours);
    this.heat = null;
    this.mode = 'category';
    await this.redraw();
  }

  async recolour(column: CategoryColumn, colours: string[]): Promise<void> {
    this.setCodes(column, colours);
    this.mode = 'category';
    await this.redraw();
  }

  /** Similarity heat: one value in [0, 1] per atlas cell (0 for cells far from the text); `key` is what the map's key says of it. */
  async showHeat(values: Float32Array, key: HeatKey): Promise<void> {
    this.heat = values;
    this.heatKeyShown = key;
    this.mode = 'heat';
    await this.redraw();
  }

  async clearHeat(): Promise<void> {
    if (this.mode === 'category') return;
    this.mode = 'category';
    await this.redraw();
  }

  /** What the heat colours mean while they are shown; null in category colours. */
  heatKey(): HeatKey | null {
    return this.mode === 'heat' ? this.heatKeyShown : null;
  }

  /** Query cells (an annotated file's), placed by their reference neighbours. */
  async setQueryCells(positions: { x: number; y: number }[]): Promise<void> {
    this.query = positions;
    document.body.dataset.queryCells = String(positions.length);
    await this.redraw();
  }

  /** Outlines cells (search hits, a cell's neighbours) without reporting a selection. */
  highlight(indices: number[]): void {
    this.highlighted = indices;
    if (indices.length === 0) this.plot.deselect({ preventEvent: true });
    else this.plot.select(indices, { preventEvent: true });
  }

  /** Query cells drawn (an annotated file's). */
  queryCount(): number {
    return this.query.length;
  }

  /** Cells outlined now. */
  highlightedCount(): number {
    return this.highlighted.length;
  }

  /** Where a point is drawn, in CSS pixels from the canvas's top left (undefined when off screen). */
  screenPosition(index: number): [number, number] | undefined {
    return this.plot.getScreenPosition(index);
  }

  /** Pans the view (in map units: the whole map spans 2) — the benchmark drives it. */
  panBy(dx: number, dy: number): void {
    const camera = this.plot.get('camera');
    camera.pan([dx, dy]);
    this.plot.redraw();
  }

  async zoomTo(indices: number[]): Promise<void> {
    if (indices.length > 0) await this.plot.zoomToPoints(indices, { padding: 0.6, transition: true });
  }

  /** factor > 1 zooms in, about the centre of the view. */
  zoomBy(factor: number): void {
    this.plot.get('camera').scale(factor);
    this.plot.redraw();
  }

  resetView(): void {
    this.plot.reset();
  }

  private setCodes(column: CategoryColumn, colours: string[]): void {
    const hidden = colours.length;
    this.codes = Float32Array.from(column.codes, (code) => (code === column.hiddenCode ? hidden : code));
    this.colours = colours;
    this.hiddenCount = 0;
    for (const code of column.codes) if (code === column.hiddenCode) this.hiddenCount += 1;
  }

  /** Points to draw: all but the cells no longer in the atlas (regl-scatterplot ignores a colour's alpha, so they are filtered out). */
  private visiblePoints(total: number): number[] | undefined {
    if (this.hiddenCount === 0) return undefined;
    const hidden = this.colours.length;
    const visible: number[] = [];
    for (let i = 0; i < total; i++) if (i >= this.codes.length || this.codes[i] !== hidden) visible.push(i);
    return visible;
  }

  private async redraw(): Promise<void> {
    if (!this.points) return;
    const n = this.points.x.length;
    const m = this.query.length;
    const x = new Float32Array(n + m);
    const y = new Float32Array(n + m);
    for (let i = 0; i < n; i++) {
      x[i] = this.points.x[i]! * MARGIN_SCALE;
      y[i] = this.points.y[i]! * MARGIN_SCALE;
    }
    this.query.forEach((p, i) => {
      x[n + i] = p.x * MARGIN_SCALE;
      y[n + i] = p.y * MARGIN_SCALE;
    });
    const valueA = new Float32Array(n + m);
    valueA.set(this.codes);
    // Query cells: the category after "hidden".
    valueA.fill(this.colours.length + 1, n);
    const valueB = new Float32Array(n + m);
    if (this.heat) valueB.set(this.heat);
    valueB.fill(1, n);
    this.plot.set({ pointSize: pointSizeFor(n + m) });
    document.body.dataset.mapMode = this.mode;
    if (this.mode === 'heat') {
      this.plot.set({ colorBy: 'valueB', pointColor: viridis(64) });
    } else {
      this.plot.set({ colorBy: 'valueA', pointColor: [...this.colours, HIDDEN_COLOUR, QUERY_COLOUR] });
    }
    const filter = this.visiblePoints(n + m);
    await this.plot.draw({ x, y, valueA, valueB }, { zDataType: 'categorical', wDataType: 'continuous', select: this.highlighted, ...(filter ? { filter } : {}) });
  }
}
