import { Tokenizer } from '@huggingface/tokenizers';
import type { ModelBundle } from './bundle.ts';

/** A tokenized text: `[CLS] … [SEP]`, at most the text encoder's maximum length. */
export interface TokenizedText {
  readonly text: string;
  readonly inputIds: Int32Array;
}

/**
 * LangCell's text tokenizer (uncased WordPiece, `[CLS] … [SEP]`, at most 512 tokens), driven by the
 * bundle's `tokenizer.json` through Hugging Face's tokenizers.js. That library does not apply the
 * file's `truncation` section, so truncation is done here exactly as HF does for one sequence:
 * keep the first maxLength−2 pieces, then `[SEP]`.
 */
export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly maxLength: number;
  private readonly sepId: number;

  constructor(bundle: Pick<ModelBundle, 'tokenizerJson' | 'manifest'>) {
    this.tokenizer = new Tokenizer(bundle.tokenizerJson, { do_lower_case: bundle.manifest.text.lowercase });
    this.maxLength = bundle.manifest.text.maxLength;
    this.sepId = bundle.manifest.text.sepId;
  }

  tokenize(text: string): TokenizedText {
    const ids = this.tokenizer.encode(text).ids;
    const kept = ids.length > this.maxLength ? [...ids.slice(0, this.maxLength - 1), this.sepId] : ids;
    return { text, inputIds: Int32Array.from(kept) };
  }

  /** The WordPiece pieces of a text, without special tokens (for inspection and tests). */
  pieces(text: string): string[] {
    return this.tokenizer.tokenize(text);
  }
}
