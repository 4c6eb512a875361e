/**
 * Harmonised reference labels: every READY dataset's label strings mapped onto the catalogue
 * (rules in harmonise.ts), stored per dataset with how each entry was made and its cell count,
 * recomputed when the catalogue or the ontology changes (entries from a mapping file or an admin
 * are kept), and served to the kNN vote, the adapters and evaluation as label ids.
 */
import { AtlasError } from '../errors.ts';
import type { LangCellModel } from '../model/langcell.ts';
import { labelPrompt } from '../model/prompt.ts';
import { similarities } from '../model/scoring.ts';
import type { Database } from '../store/database.ts';
import { getDataset, listDatasets } from '../store/datasets.ts';
import { datasetLabelCounts, labelMapsVersion, listLabelMaps, upsertLabelMaps, type LabelMapEntry } from '../store/label-maps.ts';
import { latestJobOfDataset } from '../store/jobs.ts';
import { listOntologyTerms, ontologyVersion } from '../store/ontology.ts';
import { ingestRequestSchema } from '../ingest/request.ts';
import { CatalogueIndex, matchByEmbedding, OntologyGraph, type LabelMatch } from './harmonise.ts';
import type { Catalogue, LabelCatalogue } from './labels.ts';
import type { LabelRecord } from './types.ts';

/** Methods whose entries a person decided: never recomputed automatically. */
const DECIDED_BY_PERSON: ReadonlySet<string> = new Set(['FILE', 'ADMIN']);

export interface Harmonised extends LabelMatch {
  readonly label: LabelRecord | null;
  /** The coarse class of what the source label stands for (its term, else its label). */
  readonly coarse: string | null;
}

/** (dataset id, reference label string) → catalogue label id, for every READY dataset. */
export interface LabelLookup {
  readonly version: string;
  labelIdOf(datasetId: number, sourceLabel: string | null): number | null;
  /** The reference label strings (of any dataset) harmonised to this catalogue label. */
  sourceLabelsOf(labelId: number): readonly string[];
}

interface Context {
  readonly key: string;
  readonly catalogue: Catalogue;
  readonly index: CatalogueIndex;
}

export class LabelMaps {
  private context: Context | undefined;
  private lookupCache: LabelLookup | undefined;
  private refreshing: Promise<LabelLookup> | undefined;

  constructor(
    private readonly db: Database,
    private readonly model: LangCellModel,
    private readonly catalogue: LabelCatalogue,
  ) {}

  /** The catalogue and ontology graph as they are now. */
  async harmonisation(): Promise<Context> {
    const catalogue = await this.catalogue.current();
    const key = `${catalogue.version}|${await ontologyVersion(this.db)}`;
    if (this.context?.key === key) return this.context;
    const graph = new OntologyGraph(await listOntologyTerms(this.db), catalogue.labels);
    this.context = { key, catalogue, index: new CatalogueIndex(catalogue.labels, graph) };
    return this.context;
  }

  /** Matches source label strings by the rules, then by text embedding (one encoder run for all that need it). */
  async match(sources: readonly string[]): Promise<Map<string, LabelMatch>> {
    const { catalogue, index } = await this.harmonisation();
    const matches = new Map<string, LabelMatch>();
    const open: string[] = [];
    for (const source of new Set(sources)) {
      // An ontology id, or a term the ontology names, is decided by the ontology: when no catalogue
      // label is it or above it, the catalogue lacks that type (heart cells' CL:0000115 was once
      // text-matched to "natural killer cell"). Only other strings go to the text encoder.
      const byRule = index.matchByRules(source);
      if (byRule) matches.set(source, byRule);
      else open.push(source);
    }
    if (open.length > 0 && catalogue.labels.length > 0) {
      const dim = this.model.embeddingDim;
      const embedded = await this.model.embedTexts(open.map((source) => labelPrompt(source)));
      open.forEach((source, i) => {
        const sims = similarities(embedded.subarray(i * dim, (i + 1) * dim), catalogue.embeddings, dim);
        matches.set(source, matchByEmbedding(catalogue.labels, sims));
      });
    }
    for (const source of open) if (!matches.has(source)) matches.set(source, { labelId: null, ontologyId: null, method: 'UNMAPPED', score: null });
    return matches;
  }

  /**
   * Label strings as the catalogue knows them, with coarse classes. `explicit` maps a source label
   * to a label name or ontology id (a mapping file) and wins over the rules.
   */
  async harmonise(sources: readonly string[], explicit: ReadonlyMap<string, string> = new Map()): Promise<Map<string, Harmonised>> {
    const { catalogue, index } = await this.harmonisation();
    const byId = new Map(catalogue.labels.map((label) => [label.id, label]));
    const matched = await this.match(sources.filter((source) => !explicit.has(source)));
    for (const [source, target] of explicit) if (sources.includes(source)) matched.set(source, this.explicitMatch(index, target));
    const result = new Map<string, Harmonised>();
    for (const [source, match] of matched) {
      const label = match.labelId === null ? null : (byId.get(match.labelId) ?? null);
      const term = match.ontologyId ?? label?.ontologyId ?? null;
      result.set(source, { ...match, label, coarse: term === null ? null : (index.graph.coarseOf(term)?.name ?? null) });
    }
    return result;
  }

  private explicitMatch(index: CatalogueIndex, target: string): LabelMatch {
    const found = index.matchByRules(target);
    if (!found) return { labelId: null, ontologyId: null, method: 'UNMAPPED', score: null };
    return { ...found, method: 'FILE' };
  }

  /**
   * Maps a dataset's labels: entries a person decided are kept, automatic ones (re)computed for the
   * current catalogue; `explicit` (a mapping file's source → target) becomes FILE entries.
   */
  async mapDataset(datasetId: number, explicit: ReadonlyMap<string, string> = new Map()): Promise<LabelMapEntry[]> {
    const { index } = await this.harmonisation();
    const counts = await datasetLabelCounts(this.db, datasetId);
    const existing = new Map((await listLabelMaps(this.db, [datasetId])).map((entry) => [entry.sourceLabel, entry]));
    const keep = (source: string) => {
      const entry = existing.get(source);
      return entry !== undefined && !explicit.has(source) && (DECIDED_BY_PERSON.has(entry.method) || entry.catalogueVersion === this.context!.key);
    };
    const stale = counts.filter(({ label }) => !keep(label));
    const matches = await this.match(stale.filter(({ label }) => !explicit.has(label)).map(({ label }) => label));
    for (const [source, target] of explicit) matches.set(source, this.explicitMatch(index, target));
    const entries: LabelMapEntry[] = counts.map(({ label, cells }) => {
      const match = matches.get(label);
      if (!match) return { ...existing.get(label)!, cells };
      const decidedByPerson = match.method === 'FILE';
      return { datasetId, sourceLabel: label, ...match, cells, catalogueVersion: decidedByPerson ? null : this.context!.key };
    });
    await upsertLabelMaps(this.db, entries);
    return entries;
  }

  /** An admin's decision for one source label: a catalogue label by name, or null for "unmapped". */
  async setMapping(datasetId: number, sourceLabel: string, labelName: string | null): Promise<LabelMapEntry> {
    const entries = await listLabelMaps(this.db, [datasetId]);
    const entry = entries.find((e) => e.sourceLabel === sourceLabel);
    if (!entry) {
      throw new AtlasError('NOT_FOUND', `Dataset ${datasetId} has no cells labelled "${sourceLabel}"; its labels are listed in Dataset.labelMappings.`, { field: 'sourceLabel' });
    }
    let label: LabelRecord | null = null;
    if (labelName !== null) {
      label = (await this.catalogue.current()).labels.find((l) => l.name === labelName) ?? null;
      if (!label) throw new AtlasError('NOT_FOUND', `No label named "${labelName}"; create it first or choose one from labels().`, { field: 'label' });
    }
    const updated: LabelMapEntry = { ...entry, labelId: label?.id ?? null, ontologyId: label?.ontologyId ?? null, method: 'ADMIN', score: null, catalogueVersion: null };
    await upsertLabelMaps(this.db, [updated]);
    return updated;
  }

  async entries(datasetId: number): Promise<LabelMapEntry[]> {
    const dataset = await getDataset(this.db, { id: datasetId });
    if (dataset?.state === 'READY' && dataset.labelColumn !== null) await this.lookup();
    return listLabelMaps(this.db, [datasetId]);
  }

  /** The lookup the kNN vote uses; maps any READY dataset not mapped under the current catalogue first. */
  lookup(): Promise<LabelLookup> {
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The mapping file's entries given when the dataset was ingested (stored with its job). */
  private async mappingFileOf(datasetId: number): Promise<Map<string, string>> {
    const options = (await latestJobOfDataset(this.db, datasetId))?.options;
    const parsed = ingestRequestSchema.shape.labelMap.safeParse(options?.['labelMap']);
    return new Map(Object.entries(parsed.success ? (parsed.data ?? {}) : {}));
  }

  private async refresh(): Promise<LabelLookup> {
    const { key } = await this.harmonisation();
    const ready = (await listDatasets(this.db)).filter((d) => d.state === 'READY' && d.labelColumn !== null);
    // A dataset that became READY has no entries yet: the version must change with the datasets too.
    const datasets = ready.map((d) => d.id).join(',');
    const version = `${key}|${datasets}|${await labelMapsVersion(this.db)}`;
    if (this.lookupCache?.version === version) return this.lookupCache;
    const entries = await listLabelMaps(this.db, ready.map((d) => d.id));
    const current = new Set(entries.filter((e) => DECIDED_BY_PERSON.has(e.method) || e.catalogueVersion === key).map((e) => e.datasetId));
    for (const dataset of ready) if (!current.has(dataset.id)) await this.mapDataset(dataset.id, await this.mappingFileOf(dataset.id));
    const all = await listLabelMaps(this.db, ready.map((d) => d.id));
    const table = new Map(all.map((e) => [`${e.datasetId}\u0000${e.sourceLabel}`, e.labelId]));
    const sources = new Map<number, Set<string>>();
    for (const entry of all) if (entry.labelId !== null) sources.set(entry.labelId, (sources.get(entry.labelId) ?? new Set()).add(entry.sourceLabel));
    this.lookupCache = {
      version: `${key}|${datasets}|${await labelMapsVersion(this.db)}`,
      labelIdOf: (datasetId, sourceLabel) => (sourceLabel === null ? null : (table.get(`${datasetId}\u0000${sourceLabel}`) ?? null)),
      sourceLabelsOf: (labelId) => [...(sources.get(labelId) ?? [])],
    };
    return this.lookupCache;
  }
}
