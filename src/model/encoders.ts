import type { ModelBundle } from './bundle.ts';
import type { BatchingOptions } from './batching.ts';
import { DEFAULT_BATCHING, planLengthBuckets } from './batching.ts';
import { softmax } from './scoring.ts';
import { ort, paddedBatch, type SessionFactory } from './sessions.ts';
import type { TokenizedText } from './text-tokenizer.ts';

/** One cell's final hidden states, unpadded: `length` rows of the cell encoder's hidden size. CTM attends to these. */
export interface CellHiddenStates {
  readonly length: number;
  readonly data: Float32Array;
}

export interface CellEncoding {
  /** N × embeddingDim, L2-normalized, rows in input order. */
  readonly embeddings: Float32Array;
  /** Present when asked for: per input cell, its hidden states (memory: length × hidden × 4 bytes each). */
  readonly hidden?: CellHiddenStates[];
}

export interface EncodeOptions {
  batching?: BatchingOptions;
  keepHidden?: boolean;
  /** Called after each batch with the number of cells done so far. */
  onProgress?: (done: number, total: number) => void;
}

function outputOf(results: ort.InferenceSession.OnnxValueMapType, name: string): ort.Tensor {
  const tensor = results[name];
  if (!tensor) throw new Error(`ONNX graph did not return the output ${name}`);
  return tensor as ort.Tensor;
}

/** `cell_encoder.onnx`: token ids → 256-d cell embeddings (and hidden states for CTM). */
export class CellEncoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly padId: number,
    readonly embeddingDim: number,
    readonly hiddenSize: number,
  ) {}

  static async create(bundle: ModelBundle, sessions: SessionFactory): Promise<CellEncoder> {
    const session = await sessions.create(bundle.graphPath('cell_encoder.onnx'));
    return new CellEncoder(session, bundle.manifest.cell.padId, bundle.manifest.embeddingDim, bundle.manifest.cell.hiddenSize);
  }

  async encode(cells: readonly Int32Array[], options: EncodeOptions = {}): Promise<CellEncoding> {
    const dim = this.embeddingDim;
    const embeddings = new Float32Array(cells.length * dim);
    const hidden: CellHiddenStates[] | undefined = options.keepHidden ? new Array(cells.length) : undefined;
    const batches = planLengthBuckets(
      cells.map((c) => c.length),
      options.batching ?? DEFAULT_BATCHING,
    );
    let done = 0;
    for (const batch of batches) {
      const { inputIds, attentionMask, length } = paddedBatch(
        batch.map((i) => cells[i]!),
        this.padId,
      );
      const outputNames = hidden ? ['cell_embedding', 'last_hidden_state'] : ['cell_embedding'];
      const results = await this.session.run({ input_ids: inputIds, attention_mask: attentionMask }, outputNames);
      const batchEmbeddings = outputOf(results, 'cell_embedding').data as Float32Array;
      batch.forEach((cellIndex, row) => embeddings.set(batchEmbeddings.subarray(row * dim, (row + 1) * dim), cellIndex * dim));
      if (hidden) {
        const states = outputOf(results, 'last_hidden_state').data as Float32Array;
        const rowSize = length * this.hiddenSize;
        batch.forEach((cellIndex, row) => {
          const cellLength = cells[cellIndex]!.length;
          hidden[cellIndex] = { length: cellLength, data: states.slice(row * rowSize, row * rowSize + cellLength * this.hiddenSize) };
        });
      }
      done += batch.length;
      options.onProgress?.(done, cells.length);
    }
    return hidden ? { embeddings, hidden } : { embeddings };
  }
}

/** `text_encoder.onnx`: tokenized texts → 256-d text embeddings (text mode, no cross-attention). */
export class TextEncoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly padId: number,
    readonly embeddingDim: number,
  ) {}

  static async create(bundle: ModelBundle, sessions: SessionFactory): Promise<TextEncoder> {
    const session = await sessions.create(bundle.graphPath('text_encoder.onnx'));
    return new TextEncoder(session, bundle.manifest.text.padId, bundle.manifest.embeddingDim);
  }

  async encode(texts: readonly TokenizedText[], batchSize = 32): Promise<Float32Array> {
    const dim = this.embeddingDim;
    const embeddings = new Float32Array(texts.length * dim);
    for (let start = 0; start < texts.length; start += batchSize) {
      const slice = texts.slice(start, start + batchSize);
      const { inputIds, attentionMask } = paddedBatch(
        slice.map((t) => t.inputIds),
        this.padId,
      );
      const results = await this.session.run({ input_ids: inputIds, attention_mask: attentionMask });
      embeddings.set(outputOf(results, 'text_embedding').data as Float32Array, start * dim);
    }
    return embeddings;
  }
}

/**
 * `ctm.onnx`: cell–text matching. Scores every cell of a batch against every given text in one run
 * (the graph projects each cell's cross-attention keys/values once and shares them across texts).
 */
export class CtmScorer {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly textPadId: number,
    private readonly hiddenSize: number,
  ) {}

  static async create(bundle: ModelBundle, sessions: SessionFactory): Promise<CtmScorer> {
    const session = await sessions.create(bundle.graphPath('ctm.onnx'));
    return new CtmScorer(session, bundle.manifest.text.padId, bundle.manifest.cell.hiddenSize);
  }

  /** p_match for every (cell, text): N × K, row-major by cell. */
  async score(cells: readonly CellHiddenStates[], texts: readonly TokenizedText[], batching: BatchingOptions = DEFAULT_BATCHING): Promise<Float32Array> {
    const textCount = texts.length;
    const pMatch = new Float32Array(cells.length * textCount);
    if (cells.length === 0 || textCount === 0) return pMatch;
    const { inputIds, attentionMask } = paddedBatch(
      texts.map((t) => t.inputIds),
      this.textPadId,
    );
    // The text stream is cells × texts wide, so the budget counts text pairs too.
    const budget = { ...batching, maxBatchSize: Math.max(1, Math.floor(batching.maxBatchSize / textCount)) };
    for (const batch of planLengthBuckets(
      cells.map((c) => c.length),
      budget,
    )) {
      const length = Math.max(...batch.map((i) => cells[i]!.length));
      const hidden = new Float32Array(batch.length * length * this.hiddenSize);
      const mask = new BigInt64Array(batch.length * length);
      batch.forEach((cellIndex, row) => {
        const cell = cells[cellIndex]!;
        hidden.set(cell.data, row * length * this.hiddenSize);
        mask.fill(1n, row * length, row * length + cell.length);
      });
      const results = await this.session.run({
        input_ids: inputIds,
        attention_mask: attentionMask,
        cell_hidden: new ort.Tensor('float32', hidden, [batch.length, length, this.hiddenSize]),
        cell_attention_mask: new ort.Tensor('int64', mask, [batch.length, length]),
      });
      const scores = outputOf(results, 'p_match').data as Float32Array;
      batch.forEach((cellIndex, row) => pMatch.set(scores.subarray(row * textCount, (row + 1) * textCount), cellIndex * textCount));
    }
    return pMatch;
  }
}

/**
 * `cell_classifier.onnx` (LangCell-CE, present in fine-tuned bundles): token ids → class
 * probabilities, softmax over the classifier's logits, rows in input order.
 */
export class CellClassifier {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly padId: number,
    readonly numClasses: number,
  ) {}

  static async create(bundle: ModelBundle, sessions: SessionFactory): Promise<CellClassifier> {
    if (!bundle.manifest.classifier || !bundle.classifierClasses) throw new Error(`bundle ${bundle.dir} has no cell classifier`);
    const session = await sessions.create(bundle.filePath(bundle.manifest.classifier.file));
    return new CellClassifier(session, bundle.manifest.cell.padId, bundle.classifierClasses.length);
  }

  /** N × numClasses probabilities. */
  async classify(cells: readonly Int32Array[], batching: BatchingOptions = DEFAULT_BATCHING): Promise<Float32Array> {
    const k = this.numClasses;
    const probabilities = new Float32Array(cells.length * k);
    for (const batch of planLengthBuckets(
      cells.map((c) => c.length),
      batching,
    )) {
      const { inputIds, attentionMask } = paddedBatch(
        batch.map((i) => cells[i]!),
        this.padId,
      );
      const logits = outputOf(await this.session.run({ input_ids: inputIds, attention_mask: attentionMask }), 'logits');
      if (logits.dims[1] !== k) throw new Error(`cell_classifier.onnx returned ${logits.dims[1]} logits per cell; the bundle lists ${k} classes`);
      const data = logits.data as Float32Array;
      batch.forEach((cellIndex, row) => probabilities.set(softmax(data.subarray(row * k, (row + 1) * k)), cellIndex * k));
    }
    return probabilities;
  }
}
