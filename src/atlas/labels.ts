/**
 * The label catalogue: every cell-type label with its text embedding under the model (computed
 * once, then stored) and its tokenized prompt, kept in memory until a label changes here or in any
 * other process; plus the label operations of the API (list, create, update, delete, import).
 */
import { AtlasError } from '../errors.ts';
import type { LabelSet, LangCellModel } from '../model/langcell.ts';
import type { TokenizedText } from '../model/text-tokenizer.ts';
import type { Database } from '../store/database.ts';
import * as labelStore from '../store/labels.ts';
import { upsertOntologyTerms } from '../store/ontology.ts';
import { readLabelFile } from './label-file.ts';
import type { LabelImportResult, LabelInput, LabelRecord } from './types.ts';

/** Every label in memory, with what annotation needs of it; `version` is `labelsVersion` when read. */
export interface Catalogue {
  readonly version: string;
  readonly labels: readonly LabelRecord[];
  /** Label name → index into `labels`. */
  readonly byName: ReadonlyMap<string, number>;
  /** labels.length × embeddingDim text embeddings under this model. */
  readonly embeddings: Float32Array;
  readonly prompts: readonly TokenizedText[];
}

/** The candidate labels of one annotation, and the same as a LabelSet for the model. */
export interface Candidates {
  readonly labels: readonly LabelRecord[];
  readonly labelSet: LabelSet;
}

export class LabelCatalogue {
  private catalogue: Catalogue | undefined;

  constructor(
    private readonly db: Database,
    private readonly model: LangCellModel,
    private readonly log: (message: string) => void,
  ) {}

  /** The catalogue as it is now (re-read only when a label changed, in any process). */
  async current(): Promise<Catalogue> {
    const version = await labelStore.labelsVersion(this.db);
    if (this.catalogue?.version === version) return this.catalogue;
    const labels = await labelStore.listLabels(this.db);
    const stored = await labelStore.getLabelEmbeddings(this.db, this.model.id, labels);
    const missing = labels.filter((l) => !stored.has(l.id));
    const dim = this.model.embeddingDim;
    if (missing.length > 0) {
      const computed = await this.model.embedTexts(missing.map((l) => l.promptText));
      const entries = missing.map((label, i) => ({ label, embedding: computed.slice(i * dim, (i + 1) * dim) }));
      await labelStore.saveLabelEmbeddings(this.db, this.model.id, entries);
      for (const entry of entries) stored.set(entry.label.id, entry.embedding);
    }
    const embeddings = new Float32Array(labels.length * dim);
    labels.forEach((label, i) => embeddings.set(stored.get(label.id)!, i * dim));
    this.catalogue = {
      version,
      labels,
      byName: new Map(labels.map((l, i) => [l.name, i])),
      embeddings,
      prompts: labels.map((l) => this.model.textTokenizer.tokenize(l.promptText)),
    };
    return this.catalogue;
  }

  /** The candidate labels of an annotation: the named ones, or every label; at least two. */
  async candidates(names: readonly string[] | undefined): Promise<Candidates> {
    const catalogue = await this.current();
    let picked = catalogue.labels.map((_, i) => i);
    if (names) {
      const unique = [...new Set(names)];
      const unknown = unique.filter((n) => !catalogue.byName.has(n));
      if (unknown.length > 0) throw new AtlasError('NOT_FOUND', `Unknown labels: ${unknown.slice(0, 5).join(', ')}.`, { field: 'candidates' });
      picked = unique.map((n) => catalogue.byName.get(n)!).sort((a, b) => a - b);
      if (picked.length < 2) {
        throw new AtlasError('INVALID_INPUT', `Annotation needs at least two different candidate labels; got ${picked.length}.`, { field: 'candidates' });
      }
    } else if (picked.length < 2) {
      throw new AtlasError('INVALID_INPUT', 'Annotation needs at least two labels in the atlas; import labels first (`importLabels`, or `langcell-atlas labels import`).', {
        field: 'candidates',
      });
    }
    const dim = this.model.embeddingDim;
    const embeddings = new Float32Array(picked.length * dim);
    picked.forEach((index, i) => embeddings.set(catalogue.embeddings.subarray(index * dim, (index + 1) * dim), i * dim));
    return { labels: picked.map((i) => catalogue.labels[i]!), labelSet: { prompts: picked.map((i) => catalogue.prompts[i]!), embeddings } };
  }

  list(search?: string): Promise<LabelRecord[]> {
    return labelStore.listLabels(this.db, search);
  }

  create(input: LabelInput): Promise<LabelRecord> {
    return labelStore.createLabel(this.db, input);
  }

  update(id: number, patch: Partial<LabelInput>): Promise<LabelRecord> {
    return labelStore.updateLabel(this.db, id, patch);
  }

  delete(id: number): Promise<LabelRecord> {
    return labelStore.deleteLabel(this.db, id);
  }

  /**
   * Labels from an OBO or TSV file, upserted by name; every term with an id also enters the ontology
   * graph (harmonisation, roll-up, coarse classes). `termsOnly` imports the graph alone, leaving the
   * candidate labels as they are (e.g. the whole Cell Ontology behind a small catalogue).
   */
  async importFile(path: string, options: { termsOnly?: boolean } = {}): Promise<LabelImportResult> {
    const file = await readLabelFile(path);
    const terms = file.labels.flatMap((label) => (label.ontologyId ? [{ id: label.ontologyId, name: label.name, synonyms: label.synonyms ?? [], parents: label.parents ?? [] }] : []));
    await upsertOntologyTerms(this.db, terms);
    if (options.termsOnly) return { created: 0, updated: 0, total: file.labels.length, terms: terms.length };
    const { created, updated } = await labelStore.upsertLabels(this.db, file.labels);
    if (file.skippedDuplicates.length + file.skippedUnnamed.length > 0) {
      const examples = [...file.skippedDuplicates, ...file.skippedUnnamed].slice(0, 3).join('; ');
      this.log(`labels import: skipped ${file.skippedDuplicates.length} repeated names and ${file.skippedUnnamed.length} terms without a name (e.g. ${examples})`);
    }
    return { created, updated, total: file.labels.length, terms: terms.length };
  }
}
