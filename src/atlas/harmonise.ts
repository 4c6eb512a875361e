/**
 * Harmonisation, as pure functions: a reference dataset's own label strings ("CD19+ B", "CD56+ NK",
 * "CL:0000236") mapped onto the catalogue's labels, and the ontology graph that lets a finer term
 * count for its nearest catalogue ancestor and gives every label a coarse class (T cell, B lineage,
 * NK, monocyte, dendritic cell, …). `LabelMaps` (label-maps.ts) stores and serves the results.
 *
 * A source label is mapped by the first rule that applies:
 *   1. it is an ontology id (CL:0000236) → that term;
 *   2. its normalised form (case, punctuation, spacing and plural -s ignored) equals a catalogue
 *      label's name or synonym → that label (NAME, SYNONYM);
 *   3. it equals an ontology term's name or synonym → that term;
 *   4. a term from 1 or 3 is a catalogue label's ontology id → that label, else its nearest
 *      catalogue ancestor in the graph (ANCESTOR), else UNMAPPED with the term kept (a type the
 *      catalogue lacks; never guessed from the id's or the name's text);
 *   5. any other string: the text embedding of "cell type: SOURCE. " is nearest to one label's by at least
 *      `EMBEDDING_MARGIN` over the runner-up (EMBEDDING);
 *   6. otherwise it stays UNMAPPED (reported, never dropped silently).
 */
import type { MappingMethod } from '../store/label-maps.ts';
import type { OntologyTermRecord } from '../store/ontology.ts';
import type { LabelRecord } from './types.ts';

/** Cosine margin of the nearest label text over the runner-up for an embedding match (rule 5). */
export const EMBEDDING_MARGIN = 0.05;

/**
 * Coarse classes, broadest useful level for scoring and roll-up (Cell Ontology ids and names):
 * a label's coarse class is the nearest of these among itself and its ancestors.
 */
export const COARSE_TERMS: readonly { readonly id: string; readonly name: string }[] = [
  { id: 'CL:0000084', name: 'T cell' },
  { id: 'CL:0000945', name: 'lymphocyte of B lineage' },
  { id: 'CL:0000623', name: 'natural killer cell' },
  { id: 'CL:0000576', name: 'monocyte' },
  { id: 'CL:0000451', name: 'dendritic cell' },
  { id: 'CL:0000235', name: 'macrophage' },
  { id: 'CL:0000775', name: 'neutrophil' },
  { id: 'CL:0000097', name: 'mast cell' },
  { id: 'CL:0000556', name: 'megakaryocyte' },
  { id: 'CL:0000232', name: 'erythrocyte' },
  { id: 'CL:0008001', name: 'hematopoietic precursor cell' },
  { id: 'CL:0000115', name: 'endothelial cell' },
  { id: 'CL:0000057', name: 'fibroblast' },
  { id: 'CL:0000066', name: 'epithelial cell' },
];

const ONTOLOGY_ID = /^[A-Za-z]+:\d+$/;

/** Case, punctuation, spacing and a plural -s do not tell labels apart ("CD14+ Monocytes" = "cd14 monocyte"). */
export function normaliseLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((word) => (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word))
    .join(' ');
}

/** The ontology as a graph: stored terms plus the catalogue labels' own ids and parents. */
export class OntologyGraph {
  private readonly parents = new Map<string, readonly string[]>();
  private readonly names = new Map<string, string>();
  private readonly byNormalisedName = new Map<string, string>();

  constructor(terms: readonly OntologyTermRecord[], labels: readonly LabelRecord[]) {
    for (const term of terms) {
      this.parents.set(term.id, term.parents);
      this.names.set(term.id, term.name);
      for (const name of [term.name, ...term.synonyms]) if (!this.byNormalisedName.has(normaliseLabel(name))) this.byNormalisedName.set(normaliseLabel(name), term.id);
    }
    for (const label of labels) {
      if (!label.ontologyId) continue;
      // Labels add what the stored ontology lacks (the demo catalogue ships its own parents).
      const known = this.parents.get(label.ontologyId) ?? [];
      this.parents.set(label.ontologyId, [...new Set([...known, ...label.parents])]);
      if (!this.names.has(label.ontologyId)) this.names.set(label.ontologyId, label.name);
    }
  }

  termNamed(name: string): string | null {
    return this.byNormalisedName.get(normaliseLabel(name)) ?? null;
  }

  nameOf(id: string): string | null {
    return this.names.get(id) ?? null;
  }

  /** The term and its ancestors, nearest first (breadth-first over asserted parents). */
  lineage(id: string): string[] {
    const seen = new Set([id]);
    const order = [id];
    for (let i = 0; i < order.length; i += 1) {
      for (const parent of this.parents.get(order[i]!) ?? []) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        order.push(parent);
      }
    }
    return order;
  }

  /** The nearest of `targets` among the term and its ancestors, or null. */
  nearestIn(id: string, targets: ReadonlySet<string>): string | null {
    return this.lineage(id).find((term) => targets.has(term)) ?? null;
  }

  /** The coarse class of a term (see COARSE_TERMS), or null when none is among its ancestors. */
  coarseOf(id: string): { id: string; name: string } | null {
    const coarse = this.nearestIn(id, COARSE_IDS);
    return coarse === null ? null : COARSE_TERMS.find((term) => term.id === coarse)!;
  }
}

const COARSE_IDS: ReadonlySet<string> = new Set(COARSE_TERMS.map((term) => term.id));

export interface LabelMatch {
  readonly labelId: number | null;
  readonly ontologyId: string | null;
  readonly method: MappingMethod;
  readonly score: number | null;
}

/** The catalogue as harmonisation sees it. */
export class CatalogueIndex {
  private readonly byName = new Map<string, LabelRecord>();
  private readonly bySynonym = new Map<string, LabelRecord>();
  private readonly byOntologyId = new Map<string, LabelRecord>();
  readonly ontologyIds: ReadonlySet<string>;

  constructor(
    readonly labels: readonly LabelRecord[],
    readonly graph: OntologyGraph,
  ) {
    for (const label of labels) {
      this.byName.set(normaliseLabel(label.name), label);
      if (label.ontologyId) this.byOntologyId.set(label.ontologyId, label);
    }
    for (const label of labels) {
      for (const synonym of label.synonyms) if (!this.byName.has(normaliseLabel(synonym)) && !this.bySynonym.has(normaliseLabel(synonym))) this.bySynonym.set(normaliseLabel(synonym), label);
    }
    this.ontologyIds = new Set(this.byOntologyId.keys());
  }

  /** The catalogue label for an ontology term: the term's own label, else its nearest catalogue ancestor. */
  labelForTerm(term: string): { label: LabelRecord; exact: boolean } | null {
    const own = this.byOntologyId.get(term);
    if (own) return { label: own, exact: true };
    const ancestor = this.graph.nearestIn(term, this.ontologyIds);
    return ancestor === null ? null : { label: this.byOntologyId.get(ancestor)!, exact: false };
  }

  /** Rules 1–4: a match by id, name, synonym or ontology, or null when only the embedding can tell. */
  matchByRules(source: string): LabelMatch | null {
    const text = source.trim();
    const key = normaliseLabel(text);
    if (!ONTOLOGY_ID.test(text)) {
      const named = this.byName.get(key);
      if (named) return { labelId: named.id, ontologyId: named.ontologyId, method: 'NAME', score: null };
      const synonym = this.bySynonym.get(key);
      if (synonym) return { labelId: synonym.id, ontologyId: synonym.ontologyId, method: 'SYNONYM', score: null };
    }
    const term = ONTOLOGY_ID.test(text) ? text.toUpperCase() : this.graph.termNamed(text);
    if (term === null) return null;
    const found = this.labelForTerm(term);
    if (!found) return { labelId: null, ontologyId: term, method: 'UNMAPPED', score: null };
    return { labelId: found.label.id, ontologyId: term, method: found.exact ? 'ONTOLOGY_ID' : 'ANCESTOR', score: null };
  }
}

/**
 * Rule 5 from the source's text similarities to every catalogue label (same order as `labels`):
 * the best label when it leads the runner-up by `EMBEDDING_MARGIN`, else UNMAPPED.
 */
export function matchByEmbedding(labels: readonly LabelRecord[], similarities: ArrayLike<number>): LabelMatch {
  let best = -1;
  let second = -1;
  for (let i = 0; i < labels.length; i += 1) {
    if (best < 0 || similarities[i]! > similarities[best]!) {
      second = best;
      best = i;
    } else if (second < 0 || similarities[i]! > similarities[second]!) {
      second = i;
    }
  }
  if (best < 0) return { labelId: null, ontologyId: null, method: 'UNMAPPED', score: null };
  const margin = second < 0 ? Infinity : similarities[best]! - similarities[second]!;
  if (margin < EMBEDDING_MARGIN) return { labelId: null, ontologyId: null, method: 'UNMAPPED', score: similarities[best]! };
  return { labelId: labels[best]!.id, ontologyId: labels[best]!.ontologyId, method: 'EMBEDDING', score: similarities[best]! };
}
