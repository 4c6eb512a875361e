import type { BatchingOptions } from './batching.ts';
import { DEFAULT_BATCHING } from './batching.ts';
import { AtlasError } from '../errors.ts';
import { DEMO_BUNDLE_DIR, loadBundle, type ModelBundle } from './bundle.ts';
import type { ClassifierClass, Precision } from './manifest.ts';
import { CellTokenizer } from './cell-tokenizer.ts';
import { CellClassifier, CellEncoder, CtmScorer, TextEncoder, type CellEncoding, type CellHiddenStates, type EncodeOptions } from './encoders.ts';
import { decideLabel, settledWinner, similarities, softmax, topIndices, type LabelDecision } from './scoring.ts';
import { DEFAULT_SESSION_OPTIONS, SessionFactory, type ExecutionProvider, type SessionOptions } from './sessions.ts';
import { TextTokenizer, type TokenizedText } from './text-tokenizer.ts';

export interface OpenModelOptions {
  bundleDir?: string;
  session?: SessionOptions;
  batching?: BatchingOptions;
  /** fp32 (default) or the bundle's int8 graphs (LANGCELL_PRECISION); int8 has its own model id. */
  precision?: Precision;
  /** Measuring fidelity and benchmarks only: open int8 graphs that have no fidelity record yet. */
  allowUnmeasuredInt8?: boolean;
  /** Receives one line saying which model, precision and graphs run (default: `session.log`). */
  log?: (message: string) => void;
}

/** One line for the log: what runs, and for int8 how close it came to fp32. */
export function describeModel(bundle: ModelBundle): string {
  const graphs = (['cell_encoder.onnx', 'text_encoder.onnx', 'ctm.onnx'] as const).map((g) => bundle.graphPath(g).split('/').pop()).join(', ');
  const line = `model ${bundle.manifest.id} (${bundle.precision}: ${graphs})`;
  if (bundle.precision !== 'int8') return line;
  const fidelity = bundle.storedManifest.int8?.fidelity;
  if (!fidelity) return `${line}; int8 fidelity NOT MEASURED (opened for measurement)`;
  const agreement = Object.entries(fidelity.top1Agreement)
    .map(([set, a]) => `${set} ${(a.agreement * 100).toFixed(2)}%`)
    .join(', ');
  const missed = Object.entries(fidelity.targets)
    .filter(([, t]) => !t.met)
    .map(([name]) => name);
  return (
    `${line}; fidelity to fp32 ${bundle.storedManifest.id}: cell cosine min ${fidelity.cellEmbeddingCosine.min.toFixed(4)} ` +
    `(1st percentile ${fidelity.cellEmbeddingCosine.p01.toFixed(4)}), p_match max |Δ| ${fidelity.pMatchMaxAbsDiff.value.toFixed(4)}, ` +
    `same top-1 ${agreement}, text→cell P@10 |Δ| ${fidelity.textToCellPrecisionAt10.absDiff.toFixed(3)}` +
    (missed.length > 0 ? `; targets NOT met: ${missed.join(', ')}` : '; all fidelity targets met')
  );
}

/** Candidate labels for annotation: prompts tokenized and encoded once, reused for every cell. */
export interface LabelSet {
  readonly prompts: readonly TokenizedText[];
  /** K × embeddingDim, L2-normalized. */
  readonly embeddings: Float32Array;
}

export interface AnnotateOptions {
  /** Rerank the top-m zero-shot candidates with CTM. */
  rerank: boolean;
  topM: number;
  /**
   * CTM-score every top-m candidate, also those whose score cannot change the answer (the answer is
   * the same either way; only more pMatch values are reported). Default: skip them.
   */
  scoreEveryTopM?: boolean;
  /** Below this confidence the answer is "unassigned". */
  abstainBelow: number;
  /** Weight of zero-shot in the fused score; default the bundle's `scoring.alpha`. */
  alpha?: number;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_ANNOTATE_OPTIONS: AnnotateOptions = { rerank: true, topM: 3, abstainBelow: 0.5 };

/** Cells whose hidden states are held at once while reranking. */
const RERANK_SLICE = 64;

/**
 * LangCell as the rest of the service sees it: a verified bundle, its two tokenizers and its three
 * graphs (sessions created lazily, so a process that only embeds cells never loads the text side).
 */
export class LangCellModel {
  readonly cellTokenizer: CellTokenizer;
  readonly textTokenizer: TextTokenizer;
  private readonly sessions: SessionFactory;
  private cellEncoderPromise?: Promise<CellEncoder>;
  private textEncoderPromise?: Promise<TextEncoder>;
  private ctmPromise?: Promise<CtmScorer>;
  private classifierPromise?: Promise<CellClassifier>;

  private constructor(
    readonly bundle: ModelBundle,
    sessionOptions: SessionOptions,
    readonly batching: BatchingOptions,
  ) {
    this.cellTokenizer = new CellTokenizer(bundle.manifest.cell.clsId, bundle.manifest.cell.maxLength);
    this.textTokenizer = new TextTokenizer(bundle);
    this.sessions = new SessionFactory(sessionOptions);
  }

  static async open(options: OpenModelOptions = {}): Promise<LangCellModel> {
    const bundle = await loadBundle(options.bundleDir ?? DEMO_BUNDLE_DIR, {
      precision: options.precision ?? 'fp32',
      allowUnmeasuredInt8: options.allowUnmeasuredInt8 ?? false,
    });
    (options.log ?? options.session?.log)?.(describeModel(bundle));
    return new LangCellModel(bundle, options.session ?? DEFAULT_SESSION_OPTIONS, options.batching ?? DEFAULT_BATCHING);
  }

  /** The model id embeddings are recorded under: the int8 id when the int8 graphs run. */
  get id(): string {
    return this.bundle.manifest.id;
  }

  get precision(): Precision {
    return this.bundle.precision;
  }

  get embeddingDim(): number {
    return this.bundle.manifest.embeddingDim;
  }

  /** The execution provider actually in use (after the first graph was loaded). */
  get executionProvider(): ExecutionProvider | undefined {
    return this.sessions.provider;
  }

  private cellEncoder(): Promise<CellEncoder> {
    this.cellEncoderPromise ??= CellEncoder.create(this.bundle, this.sessions);
    return this.cellEncoderPromise;
  }

  private textEncoder(): Promise<TextEncoder> {
    this.textEncoderPromise ??= TextEncoder.create(this.bundle, this.sessions);
    return this.textEncoderPromise;
  }

  private ctm(): Promise<CtmScorer> {
    this.ctmPromise ??= CtmScorer.create(this.bundle, this.sessions);
    return this.ctmPromise;
  }

  /** Whether the bundle carries a LangCell-CE classifier (`cell_classifier.onnx`). */
  get hasClassifier(): boolean {
    return this.bundle.classifierClasses !== null;
  }

  /** The classifier's classes in probability-column order (empty without a classifier). */
  get classifierClasses(): readonly ClassifierClass[] {
    return this.bundle.classifierClasses ?? [];
  }

  /**
   * The fine-tuned classifier's probabilities per cell: N × classifierClasses.length, rows in input
   * order. Refused when the bundle has no classifier.
   */
  async classifyCells(cells: readonly Int32Array[]): Promise<Float32Array> {
    if (!this.hasClassifier) throw new AtlasError('INVALID_INPUT', `Bundle ${this.id} has no cell_classifier.onnx; make one with tools/model finetune`);
    this.classifierPromise ??= CellClassifier.create(this.bundle, this.sessions);
    return (await this.classifierPromise).classify(cells, this.batching);
  }

  async embedCells(cells: readonly Int32Array[], options: EncodeOptions = {}): Promise<CellEncoding> {
    return (await this.cellEncoder()).encode(cells, { batching: this.batching, ...options });
  }

  async embedTexts(texts: readonly string[]): Promise<Float32Array> {
    return (await this.textEncoder()).encode(texts.map((t) => this.textTokenizer.tokenize(t)));
  }

  async labelSet(prompts: readonly string[]): Promise<LabelSet> {
    const tokenized = prompts.map((p) => this.textTokenizer.tokenize(p));
    return { prompts: tokenized, embeddings: await (await this.textEncoder()).encode(tokenized) };
  }

  /** p_match of each cell against each text: N × K. */
  async matchCells(cells: readonly CellHiddenStates[], texts: readonly string[]): Promise<Float32Array> {
    return (await this.ctm()).score(
      cells,
      texts.map((t) => this.textTokenizer.tokenize(t)),
      this.batching,
    );
  }

  /**
   * Zero-shot annotation of tokenized cells against candidate labels, with CTM on each cell's top-m
   * candidates. Cells that share the same top-m set are scored together in one CTM run.
   */
  async annotateCells(cells: readonly Int32Array[], labels: LabelSet, options: AnnotateOptions = DEFAULT_ANNOTATE_OPTIONS): Promise<LabelDecision[]> {
    if (!options.rerank || cells.length <= RERANK_SLICE) return this.annotateSlice(cells, labels, options);
    // CTM needs every cell's hidden states (length × hidden × 4 bytes: 4 MB for a 2,048-gene cell at
    // LangCell's size), so cells are annotated in slices to keep that memory bounded.
    const decisions: LabelDecision[] = [];
    for (let start = 0; start < cells.length; start += RERANK_SLICE) {
      const slice = await this.annotateSlice(cells.slice(start, start + RERANK_SLICE), labels, { ...options, onProgress: undefined });
      decisions.push(...slice);
      options.onProgress?.(decisions.length, cells.length);
    }
    return decisions;
  }

  private async annotateSlice(cells: readonly Int32Array[], labels: LabelSet, options: AnnotateOptions): Promise<LabelDecision[]> {
    const encoding = await this.embedCells(cells, { keepHidden: options.rerank, onProgress: options.onProgress });
    return this.annotateEncoded(encoding, labels, options);
  }

  /**
   * annotateCells for cells already encoded, so a caller that needs the embedding too (the kNN
   * vote) runs the encoder once. Reranking needs `encoding.hidden`; without it, zero-shot only.
   *
   * CTM runs in two rounds: first on each cell's zero-shot favourite; then, only for the cells whose
   * answer those scores did not settle (`settledWinner`: no p_match of the other top-m candidates
   * could change it), on the rest of its top-m. The label, status and confidence are those of
   * scoring the whole top-m; unscored candidates are reported with pMatch null.
   */
  async annotateEncoded(encoding: CellEncoding, labels: LabelSet, options: AnnotateOptions): Promise<LabelDecision[]> {
    const { temperature } = this.bundle.manifest.scoring;
    const alpha = options.alpha ?? this.bundle.manifest.scoring.alpha;
    const dim = this.embeddingDim;
    const cellSimilarities = Array.from({ length: encoding.embeddings.length / dim }, (_, i) =>
      similarities(encoding.embeddings.subarray(i * dim, (i + 1) * dim), labels.embeddings, dim),
    );
    const pMatch = cellSimilarities.map(() => new Map<number, number>());

    if (options.rerank && encoding.hidden) {
      const hidden = encoding.hidden;
      const topM = cellSimilarities.map((sims) => topIndices(sims, options.topM));
      if (options.scoreEveryTopM) {
        await this.scoreCandidates(hidden, labels, topM, pMatch);
      } else {
        await this.scoreCandidates(hidden, labels, topM.map((top) => top.slice(0, 1)), pMatch);
        const rest = topM.map((top, cell) => {
          if (top.length <= 1) return [];
          const zeroShot = softmax(cellSimilarities[cell]!, temperature);
          const settled = settledWinner(zeroShot, alpha, pMatch[cell]!, new Set(top.slice(1)));
          return settled === null ? top.slice(1) : [];
        });
        await this.scoreCandidates(hidden, labels, rest, pMatch);
      }
    }
    return cellSimilarities.map((sims, cell) =>
      decideLabel({ similarities: sims, temperature, alpha, pMatch: pMatch[cell]!, abstainBelow: options.abstainBelow }),
    );
  }

  /**
   * CTM p_match of each cell against its listed candidate labels, into `pMatch`. Cells with the same
   * candidate set share one all-pairs run; cells with none are skipped.
   */
  private async scoreCandidates(
    hidden: readonly CellHiddenStates[],
    labels: LabelSet,
    candidates: readonly (readonly number[])[],
    pMatch: readonly Map<number, number>[],
  ): Promise<void> {
    const groups = new Map<string, { labels: number[]; cells: number[] }>();
    candidates.forEach((cellCandidates, cell) => {
      if (cellCandidates.length === 0) return;
      const sorted = [...cellCandidates].sort((a, b) => a - b);
      const key = sorted.join(',');
      const group = groups.get(key) ?? { labels: sorted, cells: [] };
      group.cells.push(cell);
      groups.set(key, group);
    });
    if (groups.size === 0) return;
    const ctm = await this.ctm();
    for (const group of groups.values()) {
      const scores = await ctm.score(
        group.cells.map((c) => hidden[c]!),
        group.labels.map((l) => labels.prompts[l]!),
        this.batching,
      );
      group.cells.forEach((cell, row) =>
        group.labels.forEach((label, column) => pMatch[cell]!.set(label, scores[row * group.labels.length + column]!)),
      );
    }
  }
}
