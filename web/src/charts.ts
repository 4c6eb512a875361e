/**
 * Small declarative charts with Observable Plot (bars, a histogram, a heatmap), rendered to SVG
 * in the page; no chart is drawn by hand.
 */
import * as Plot from '@observablehq/plot';

// Okabe–Ito colours, one per source in the order the panel lists them (the decision in black).
const EVIDENCE_COLOURS = ['#000000', '#0072B2', '#E69F00', '#009E73', '#CC79A7'];

export interface EvidenceRow {
  readonly label: string;
  readonly source: string;
  readonly value: number;
}

/**
 * One group of bars per candidate label: each evidence source's score in [0, 1]. The label is
 * written above its group, whole: Cell Ontology names are long and an axis would cut them.
 */
export function evidenceChart(rows: readonly EvidenceRow[], sources: readonly string[]): SVGSVGElement | HTMLElement {
  const labels = [...new Set(rows.map((row) => row.label))];
  return Plot.plot({
    width: 360,
    height: 40 + labels.length * (18 + 12 * sources.length),
    marginLeft: 10,
    marginRight: 20,
    x: { domain: [0, 1], label: 'score →', grid: true },
    y: { domain: [...sources], label: null, axis: null, insetTop: 16 },
    fy: { domain: labels, label: null, axis: null, padding: 0.1 },
    color: { domain: [...sources], range: EVIDENCE_COLOURS, legend: true },
    marks: [
      Plot.barX(rows, { x: 'value', y: 'source', fy: 'label', fill: 'source', title: (d: EvidenceRow) => `${d.source}: ${d.value.toFixed(3)}` }),
      Plot.text(labels, { fy: (d: string) => d, text: (d: string) => d, frameAnchor: 'top-left', dy: 2, fontWeight: 'bold', fontSize: 11 }),
      Plot.ruleX([0]),
    ],
  });
}

/** Horizontal bars: count per category, most first. */
export function countBars(rows: readonly { name: string; cells: number }[], label: string): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: 360,
    marginLeft: 190,
    x: { label, grid: true },
    // Long Cell Ontology names are shortened on the axis; the bar's tooltip has the whole name.
    y: { label: null, tickFormat: (name: string) => (name.length > 32 ? `${name.slice(0, 31)}…` : name) },
    marks: [Plot.barX(rows, { x: 'cells', y: 'name', sort: { y: 'x', reverse: true }, fill: '#0072B2', title: (d: { name: string; cells: number }) => `${d.name}: ${d.cells}` }), Plot.ruleX([0])],
  });
}

/** Histogram of values in [0, 1] (e.g. confidence), with an optional threshold line. */
export function histogram(values: readonly number[], label: string, threshold?: number): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: 340,
    height: 180,
    x: { domain: [0, 1], label },
    y: { label: 'cells', grid: true },
    marks: [Plot.rectY(values, { ...Plot.binX({ y: 'count' }, { x: (d: number) => d, thresholds: 20 }), fill: '#56B4E9' }), ...(threshold === undefined ? [] : [Plot.ruleX([threshold], { stroke: '#D55E00', strokeDasharray: '4 3' })]), Plot.ruleY([0])],
  });
}

/** A label name cut to fit a chart's tick (the tooltip has it whole). */
function shortName(name: string): string {
  return name.length > 22 ? `${name.slice(0, 21)}…` : name;
}

/** Confusion matrix as a heatmap: truth down, predicted across, cell = count (share of the truth row by colour). */
export function confusionHeatmap(matrix: { truth: readonly string[]; predicted: readonly string[]; counts: readonly (readonly number[])[] }): SVGSVGElement | HTMLElement {
  const cells = matrix.truth.flatMap((truth, i) => {
    const rowTotal = (matrix.counts[i] ?? []).reduce((a, b) => a + b, 0) || 1;
    return matrix.predicted.map((predicted, j) => ({ truth, predicted, count: matrix.counts[i]?.[j] ?? 0, share: (matrix.counts[i]?.[j] ?? 0) / rowTotal }));
  });
  // Cell Ontology names run long ("CD4-positive, CD25-positive, alpha-beta regulatory T cell"):
  // ticks show the first characters, each cell's tooltip the whole names, and the margins fit the ticks.
  const longest = Math.max(1, ...[...matrix.truth, ...matrix.predicted].map((name) => shortName(name).length));
  return Plot.plot({
    width: 360,
    height: 60 + 4.4 * longest + 22 * matrix.truth.length,
    marginLeft: 14 + 5.6 * longest,
    marginBottom: 24 + 4.4 * longest,
    x: { domain: [...matrix.predicted], label: 'predicted', tickRotate: -45, tickFormat: shortName },
    y: { domain: [...matrix.truth], label: 'truth', tickFormat: shortName },
    color: { type: 'linear', domain: [0, 1], scheme: 'blues', label: 'share of truth row', legend: true },
    marks: [
      Plot.cell(cells, { x: 'predicted', y: 'truth', fill: 'share', title: (d: { truth: string; predicted: string; count: number }) => `${d.truth} → ${d.predicted}: ${d.count}` }),
      Plot.text(cells, { x: 'predicted', y: 'truth', text: (d: { count: number }) => (d.count > 0 ? String(d.count) : ''), fill: (d: { share: number }) => (d.share > 0.5 ? 'white' : 'black'), fontSize: 9 }),
    ],
  });
}
