/**
 * The Cell tab: one reference cell's metadata and its annotation — the answer or the abstention
 * with its reason, the confidence against the threshold, every candidate's evidence as bars — and
 * its nearest reference neighbours outlined on the map.
 */
import { evidenceChart, type EvidenceRow } from '../charts';
import { gql } from '../api/client';
import { pointOf } from '../api/layout-data';
import { AnnotateStoredCell, CellDetails } from '../api/operations';
import { fill, fixed, h, percent } from '../dom';
import type { App } from '../main';
import { problemBox } from './problem';

// LangCell's fused score is left out: its second softmax squeezes it (a sure cell gets ~0.2), which reads as doubt.
// The decision's own probability comes first: it is what the other bars are combined into.
const SOURCES = ['decision', 'zero-shot', 'CTM match', 'kNN vote', 'gene signature'];

/** What the cell panel reads of an abstention. */
export interface Abstention {
  readonly reason?: string | null;
  readonly confidence: number;
  readonly abstainBelow: number;
  readonly bestLabel: { readonly name: string };
  readonly candidates: readonly { readonly label: { readonly name: string }; readonly knnShare: number }[];
  readonly novelty?: { readonly score: number; readonly meanDistance?: number | null; readonly genesKnown?: number; readonly minGenes?: number } | null;
  readonly rolledUp?: { readonly name: string; readonly confidence: number } | null;
}

/**
 * Why the service abstained, in words, from the reason it gave (the annotation has the numbers).
 * `referenceLabel`: the clicked cell is a reference cell with this label of its own, so a NOVEL
 * verdict marks an outlier of its reference, not a type the atlas lacks.
 */
export function abstentionReason(annotation: Abstention, referenceLabel: string | null = null): string {
  const rolled = annotation.rolledUp ? ` It is surely a ${annotation.rolledUp.name} (confidence ${fixed(annotation.rolledUp.confidence, 2)}).` : '';
  if (annotation.reason === 'TOO_FEW_GENES') {
    return (
      `The model knows only ${annotation.novelty?.genesKnown ?? '?'} of this cell's genes; placing a cell against this reference takes at least ${Math.ceil(annotation.novelty?.minGenes ?? 0)} ` +
      `(half of what its sparsest cells have). Its best guess, ${annotation.bestLabel.name}, rests on too little to judge — a cell of another tissue, or a gene panel the model barely covers.`
    );
  }
  if (annotation.reason === 'NOVEL' && referenceLabel !== null) {
    return (
      `An outlier of its own reference: far from the other reference cells and unlike every label (its description and, with labelled references, its cells' genes), together past the atlas's novelty threshold ` +
      `(score ${fixed(annotation.novelty?.score ?? null, 2)}; novel above 1). Its reference calls it ${referenceLabel} and the closest label is ${annotation.bestLabel.name}; ` +
      `a cell like it from a new sample would be called NOVEL — perhaps a rare state, a doublet or a mislabelled cell.`
    );
  }
  if (annotation.reason === 'NOVEL') {
    return (
      `Unlike the reference: far from its nearest reference cells and unlike every label (its description and, with labelled references, its cells' genes), together past the atlas's novelty threshold ` +
      `(score ${fixed(annotation.novelty?.score ?? null, 2)}; novel above 1) — perhaps a cell type this atlas has no label for. The closest label was ${annotation.bestLabel.name}.`
    );
  }
  if (annotation.reason === 'CONFLICT') {
    const best = annotation.candidates.find((c) => c.label.name === annotation.bestLabel.name);
    const knnWinner = [...annotation.candidates].sort((a, b) => b.knnShare - a.knnShare)[0];
    const detail = knnWinner && best && knnWinner.label.name !== best.label.name ? `: the combined answer leans to ${best.label.name}, but most reference neighbours are ${knnWinner.label.name}` : '';
    return `The sources disagree${detail}.${rolled}`;
  }
  return `The confidence (${fixed(annotation.confidence, 2)}) is below the service's threshold (${fixed(annotation.abstainBelow, 2)}): the best guess, ${annotation.bestLabel.name}, is not certain enough to assign.${rolled}`;
}

export function cellPanel(root: HTMLElement, app: App): { show(cellId: number): Promise<void> } {
  fill(root, h('p', { class: 'hint' }, 'Click a cell on the map (or in a list) to see what it is and why.'));
  let shown = 0;

  async function show(cellId: number): Promise<void> {
    shown = cellId;
    fill(root, h('p', { class: 'hint' }, `Annotating cell ${cellId}…`));
    try {
      const [{ cell }, { annotateCell: annotation }] = await Promise.all([gql(CellDetails, { id: String(cellId) }), gql(AnnotateStoredCell, { id: String(cellId), k: 25 })]);
      if (shown !== cellId) return;
      if (!cell) {
        fill(root, h('p', { class: 'problem' }, `Cell ${cellId} is no longer in the atlas (its dataset was deleted). Reload the page to refresh the map.`));
        return;
      }
      const points = app.points();
      const self = points ? pointOf(points.cellIds, cellId) : -1;
      const neighbours = points ? annotation.neighbors.map((n) => pointOf(points.cellIds, Number(n.cell.id))).filter((i) => i >= 0) : [];
      app.map.highlight(self >= 0 ? [self, ...neighbours] : neighbours);
      const top = annotation.candidates.slice(0, 5);
      const rows: EvidenceRow[] = top.flatMap((c) => [
        ...(c.combined === null || c.combined === undefined ? [] : [{ label: c.label.name, source: 'decision', value: c.combined }]),
        { label: c.label.name, source: 'zero-shot', value: c.zeroShot },
        ...(c.pMatch === null || c.pMatch === undefined ? [] : [{ label: c.label.name, source: 'CTM match', value: c.pMatch }]),
        { label: c.label.name, source: 'kNN vote', value: c.knnShare },
        ...(c.signature === null || c.signature === undefined ? [] : [{ label: c.label.name, source: 'gene signature', value: c.signature }]),
      ]);
      const assigned = annotation.status === 'ASSIGNED';
      fill(
        root,
        h('h2', { id: 'cell-title' }, cell.externalId, h('span', { class: 'muted' }, ` · ${cell.datasetName}`)),
        h(
          'div',
          { class: `verdict ${assigned ? 'assigned' : 'unassigned'}`, id: 'cell-verdict' },
          assigned
            ? [h('strong', {}, annotation.label?.name ?? annotation.bestLabel.name), h('span', {}, ` — assigned with confidence ${fixed(annotation.confidence, 2)} (threshold ${fixed(annotation.abstainBelow, 2)})`)]
            : [h('strong', {}, 'Unassigned'), h('p', {}, abstentionReason(annotation, cell.label ?? null))],
        ),
        h('p', {}, 'Reference label: ', h('strong', {}, cell.label ?? '(none)'), ` · ${cell.geneCount.toLocaleString()} genes the model reads`),
        h('h3', {}, 'Evidence per candidate'),
        h('p', { class: 'hint' }, 'Zero-shot: how well the cell matches each label’s description. CTM: LangCell’s cell–text match probability (best few labels only). kNN vote: the label’s share of the votes of the 25 most similar reference cells, the nearest counting most (the i-th votes 1/i). Gene signature: how closely the cell’s most expressed genes match those of the label’s reference cells (cosine, model-free; compare labels with each other, not with a fixed scale). Decision: the probability the answer gives each label after weighing these sources on held-out reference cells; the confidence above (the winner’s, calibrated) decides between answering and abstaining.'),
        h('div', { class: 'chart', id: 'evidence-chart' }, evidenceChart(rows, SOURCES)),
        h('h3', {}, 'Nearest reference cells'),
        h('p', { class: 'hint' }, `${neighbours.length} of ${annotation.neighbors.length} are outlined on the map; the top label among them holds ${percent(annotation.knn.topShare)} of the vote.`),
        h(
          'ul',
          { class: 'cell-list' },
          annotation.neighbors.slice(0, 10).map((n) => h('li', {}, h('button', { class: 'link', onclick: () => void show(Number(n.cell.id)) }, n.cell.externalId), ` ${n.cell.label ?? '—'} · ${n.cell.datasetName} · similarity ${fixed(n.similarity)}`)),
        ),
        h('h3', {}, 'Metadata'),
        h('table', { class: 'metadata' }, h('tbody', {}, Object.entries(cell.metadata).map(([key, value]) => h('tr', {}, h('th', {}, key), h('td', {}, String(value)))))),
      );
    } catch (error) {
      fill(root, problemBox(error));
    }
  }
  return { show };
}
