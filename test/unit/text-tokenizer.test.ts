import { describe, expect, it } from 'vitest';
import { TextTokenizer } from '../../src/model/text-tokenizer.ts';
import { labelPrompt } from '../../src/model/prompt.ts';
import { bertTokenizerJson } from '../helpers/tokenizer-json.ts';

// ids:        0       1       2       3       4        5      6     7       8    9     10    11       12      13    14  15   16   17
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'cell', 'type', ':', '.', ';', 'b', 'lympho', '##cyte', '##s', 'a', 'of', 'cd', '##4'];

function tokenizer(maxLength = 512): TextTokenizer {
  const manifest = { text: { maxLength, sepId: 3, lowercase: true } } as ConstructorParameters<typeof TextTokenizer>[0]['manifest'];
  return new TextTokenizer({ tokenizerJson: bertTokenizerJson(VOCAB), manifest });
}

// Golden table: ids worked out by hand with BERT's rules (lower-case, strip accents, split on
// punctuation, greedy longest-match WordPiece, unknown words → [UNK]).
describe('TextTokenizer (uncased WordPiece)', () => {
  it.each([
    { text: 'cell type: B lymphocyte.', pieces: ['cell', 'type', ':', 'b', 'lympho', '##cyte', '.'], ids: [2, 5, 6, 7, 10, 11, 12, 8, 3] },
    { text: 'LYMPHOCYTES of CD4', pieces: ['lympho', '##cyte', '##s', 'of', 'cd', '##4'], ids: [2, 11, 12, 13, 15, 16, 17, 3] },
    { text: 'Lymphocytè; a', pieces: ['lympho', '##cyte', ';', 'a'], ids: [2, 11, 12, 9, 14, 3] },
    { text: 'macrophage cell', pieces: ['[UNK]', 'cell'], ids: [2, 1, 5, 3] },
    { text: 'cd45', pieces: ['[UNK]'], ids: [2, 1, 3] },
    { text: '', pieces: [], ids: [2, 3] },
  ])('$text', ({ text, pieces, ids }) => {
    const t = tokenizer();
    expect(t.pieces(text)).toEqual(pieces);
    expect(Array.from(t.tokenize(text).inputIds)).toEqual(ids);
  });

  it('truncates to the maximum length keeping [SEP] last, as Hugging Face does', () => {
    const ids = Array.from(tokenizer(5).tokenize('cell cell cell cell cell cell').inputIds);
    expect(ids).toEqual([2, 5, 5, 5, 3]);
  });

  it("builds LangCell's prompt form", () => {
    expect(labelPrompt('B cell', 'A lymphocyte of B lineage.')).toBe('cell type: B cell. A lymphocyte of B lineage.; ');
    expect(labelPrompt('B cell')).toBe('cell type: B cell. ');
  });
});
