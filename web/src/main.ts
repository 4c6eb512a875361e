/**
 * The explorer: a map of the atlas's cells with panels around it (colour and selection, search in
 * words, one cell's annotation, annotating a file, admin). main.ts owns the shared state — the
 * layout version on screen, its points and colour column — and hands panels an `App` to act on it.
 */
import './style.css';
import { layoutColumn, layoutPoints, layoutStatus } from './api/client';
import { pointOf, type CategoryColumn, type LayoutStatus, type MapPoints } from './api/layout-data';
import { byId, fill, fixed, h, percent } from './dom';
import { AtlasMap } from './map/atlas-map';
import { categoricalColours } from './map/palette';
import { adminPanel } from './panels/admin';
import { annotatePanel } from './panels/annotate';
import { cellPanel } from './panels/cell';
import { explorePanel } from './panels/explore';
import { problemBox } from './panels/problem';
import './probe';
import { searchPanel } from './panels/search';

export type TabName = 'explore' | 'search' | 'cell' | 'annotate' | 'admin';

export interface App {
  readonly map: AtlasMap;
  points(): MapPoints | null;
  column(): CategoryColumn | null;
  colours(): string[];
  status(): LayoutStatus | null;
  /** Colours the map by another column (label, dataset, metadata.KEY). */
  colourBy(by: string): Promise<void>;
  /** Opens the Cell tab on a reference cell. */
  openCell(cellId: number): void;
  showTab(tab: TabName): void;
  /** Reloads the map when the layout has a new version (after an ingestion or deletion). */
  refreshMap(): Promise<void>;
  onMapChange(listener: () => void): void;
  /** Tells the legends that what the map shows changed (e.g. a file's cells were added). */
  mapChanged(): void;
}

const tabs: TabName[] = ['explore', 'search', 'cell', 'annotate', 'admin'];

function showTab(tab: TabName): void {
  for (const name of tabs) {
    const selected = name === tab;
    byId(`tab-${name}`).setAttribute('aria-selected', String(selected));
    byId(`tab-${name}`).tabIndex = selected ? 0 : -1;
    byId(`panel-${name}`).hidden = !selected;
  }
}

function setupTabs(): void {
  tabs.forEach((name, i) => {
    const tab = byId(`tab-${name}`);
    tab.addEventListener('click', () => showTab(name));
    // Arrow keys move between tabs, as in the WAI-ARIA tabs pattern.
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowDown' || event.key === 'ArrowRight' ? 1 : event.key === 'ArrowUp' || event.key === 'ArrowLeft' ? -1 : 0;
      if (step === 0) return;
      event.preventDefault();
      const next = tabs[(i + step + tabs.length) % tabs.length]!;
      showTab(next);
      byId(`tab-${next}`).focus();
    });
  });
  showTab('explore');
}

/** The status line: cells on the map now (the layout's, less those deleted since), its version, a running update. */
function describeStatus(status: LayoutStatus, column: CategoryColumn | null): string {
  const parts: string[] = [];
  const visible = column ? column.categories.reduce((sum, category) => sum + category.cells, 0) : status.current?.processedCells;
  if (status.current) parts.push(`${(visible ?? 0).toLocaleString()} cells · map v${status.current.version}`);
  const pending = status.pending;
  if (pending?.state === 'RUNNING') parts.push(`updating the map: ${pending.stage}${pending.totalCells > 0 && pending.processedCells > 0 ? ` (${percent(pending.progress)})` : ''}`);
  if (pending?.state === 'FAILED') parts.push(`the last map update failed: ${pending.errorMessage ?? 'unknown error'}`);
  return parts.join(' — ');
}

async function start(): Promise<void> {
  setupTabs();
  const statusLine = byId('map-status');
  const empty = byId('map-empty');
  const tooltip = byId('tooltip');
  let points: MapPoints | null = null;
  let column: CategoryColumn | null = null;
  let colours: string[] = [];
  let status: LayoutStatus | null = null;
  let by = 'label';
  let loadedVersion = 0;
  const listeners: (() => void)[] = [];
  let hoverTimer: number | undefined;

  const map = new AtlasMap(byId<HTMLCanvasElement>('map'), {
    onClick: (index) => {
      if (index >= 0 && points) app.openCell(points.cellIds[index]!);
    },
    onLasso: (indices) => {
      explore.showSelection(indices);
      showTab('explore');
    },
    onHover: (index, at) => {
      window.clearTimeout(hoverTimer);
      if (index === null || at === null || !points || !column) {
        tooltip.hidden = true;
        return;
      }
      const code = column.codes[index]!;
      const name = code === column.hiddenCode ? '(deleted)' : (column.categories[code]?.name ?? '');
      fill(tooltip, h('strong', {}, name), h('span', {}, ' · click for this cell’s annotation'));
      tooltip.style.left = `${at[0] + 12}px`;
      tooltip.style.top = `${at[1] + 12}px`;
      hoverTimer = window.setTimeout(() => (tooltip.hidden = false), 60);
    },
  });

  const app: App = {
    map,
    points: () => points,
    column: () => column,
    colours: () => colours,
    status: () => status,
    async colourBy(next) {
      if (!status?.current || !points) return;
      by = next;
      column = await layoutColumn(status.current.version, by);
      colours = categoricalColours(column.categories.map((c) => c.name));
      await map.recolour(column, colours);
      statusLine.textContent = describeStatus(status, column);
      listeners.forEach((listener) => listener());
    },
    openCell(cellId) {
      showTab('cell');
      void cell.show(cellId);
    },
    showTab,
    async refreshMap() {
      status = await layoutStatus();
      statusLine.textContent = describeStatus(status, column);
      const current = status.current;
      if (!current || current.processedCells === 0) {
        empty.hidden = false;
        fill(
          empty,
          h('h2', {}, current ? 'The atlas is empty' : 'The map is being drawn'),
          h(
            'p',
            {},
            current
              ? 'No reference cells yet. Add a reference under Admin (an h5ad, 10x or CSV file with a cell-type column); the map appears once it is ingested.'
              : 'The service computes the map after a reference is ingested (UMAP on a sample of the cells); it appears here when done — this page checks every few seconds.',
          ),
        );
        return;
      }
      empty.hidden = true;
      if (loadedVersion === current.version) return;
      const [nextPoints, nextColumn] = await Promise.all([layoutPoints(current.version), layoutColumn(current.version, status.colorBy.includes(by) ? by : 'label')]);
      points = nextPoints;
      column = nextColumn;
      by = nextColumn.by;
      colours = categoricalColours(column.categories.map((c) => c.name));
      loadedVersion = current.version;
      await map.show(points, column, colours);
      statusLine.textContent = describeStatus(status, column);
      document.body.dataset.mapVersion = String(current.version);
      document.body.dataset.mapCells = String(points.cellIds.length);
      listeners.forEach((listener) => listener());
    },
    onMapChange(listener) {
      listeners.push(listener);
    },
    mapChanged() {
      listeners.forEach((listener) => listener());
    },
  };

  window.langcellExplorer = {
    screenPositionOf: (cellId) => {
      const index = points ? pointOf(points.cellIds, cellId) : -1;
      return index < 0 ? null : (map.screenPosition(index) ?? null);
    },
    highlightedCount: () => map.highlightedCount(),
    panBy: (dx, dy) => map.panBy(dx, dy),
  };

  // A compact key on the map itself: the colours stay explained while another tab is open.
  const mapKey = byId('map-key');
  listeners.push(() => {
    const heat = map.heatKey();
    if (heat) {
      fill(
        mapKey,
        h('div', {}, `Similarity to “${heat.text.length > 40 ? `${heat.text.slice(0, 39)}…` : heat.text}”`),
        h('div', { class: 'heat-bar', 'aria-hidden': 'true' }),
        h('div', { class: 'muted' }, `cosine ${fixed(heat.floor, 3)} (dark) to ${fixed(heat.ceiling, 3)} (bright) · untick Heat mode for cell types`),
      );
      return;
    }
    if (!column) return;
    const shown = column.categories.slice(0, 14);
    fill(
      mapKey,
      shown.map((category, code) => h('div', {}, h('span', { class: 'swatch', style: `background:${colours[code]}` }), category.name)),
      column.categories.length > shown.length ? h('div', { class: 'muted' }, `+ ${column.categories.length - shown.length} more (Map tab)`) : null,
      map.queryCount() > 0 ? h('div', {}, h('span', { class: 'swatch', style: 'background:#000' }), `your file's cells (${map.queryCount().toLocaleString()})`) : null,
      h('div', { class: 'muted' }, `${column.categories.reduce((sum, c) => sum + c.cells, 0).toLocaleString()} cells · colour: ${column.by.replace(/^metadata\./, '')}`),
    );
  });

  const explore = explorePanel(byId('panel-explore'), app);
  const cell = cellPanel(byId('panel-cell'), app);
  searchPanel(byId('panel-search'), app);
  annotatePanel(byId('panel-annotate'), app);
  adminPanel(byId('panel-admin'), app);

  byId('zoom-in').addEventListener('click', () => map.zoomBy(1.5));
  byId('zoom-out').addEventListener('click', () => map.zoomBy(1 / 1.5));
  byId('zoom-reset').addEventListener('click', () => map.resetView());
  // The map by keyboard: arrows pan a tenth of the view, + and − zoom, 0 shows the whole atlas.
  byId('map').addEventListener('keydown', (event) => {
    const pans: Record<string, [number, number]> = { ArrowLeft: [0.1, 0], ArrowRight: [-0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] };
    const pan = pans[event.key];
    if (pan) map.panBy(pan[0], pan[1]);
    else if (event.key === '+' || event.key === '=') map.zoomBy(1.5);
    else if (event.key === '-' || event.key === '_') map.zoomBy(1 / 1.5);
    else if (event.key === '0') map.resetView();
    else return;
    event.preventDefault();
  });

  // The map follows the atlas: a new layout version (after an ingestion or a deletion) replaces it.
  const poll = async () => {
    try {
      await app.refreshMap();
    } catch (error) {
      statusLine.replaceChildren(problemBox(error));
    }
    window.setTimeout(() => void poll(), status?.pending?.state === 'RUNNING' || !status?.current ? 3000 : 15000);
  };
  await poll();
}

void start();
