/**
 * A handle for the end-to-end tests and the browser benchmark (`window.langcellExplorer`), which
 * drive the map as a person would but need to know where a given cell is drawn. No imports, so
 * the Node side (test/helpers/explorer-probe.ts) can share the type.
 */
export interface ExplorerProbe {
  screenPositionOf(cellId: number): [number, number] | null;
  highlightedCount(): number;
  /** Pans the view in map units (the whole map spans 2). */
  panBy(dx: number, dy: number): void;
}

declare global {
  interface Window {
    langcellExplorer?: ExplorerProbe;
  }
}
