import unittest

from tools.model.wordpiece import VocabError, WordPieceTokenizer, basic_tokenize, tokenizer_json

# ids = positions: [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4 cell5 type6 :7 b8 .9 a10 lymph11 ##ocyte12 ##s13
# ;14 -15 cd16 ##14=17 naive18 t19 (20 )21 ##8=22 +23 the24 ##a25
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "cell", "type", ":", "b", ".", "a", "lymph", "##ocyte",
         "##s", ";", "-", "cd", "##14", "naive", "t", "(", ")", "##8", "+", "the", "##a"]

# (text, expected ids without [CLS]/[SEP]), worked out by hand from the rules.
GOLDEN = [
    ("cell type: B cell. A lymphocyte; ", [5, 6, 7, 8, 5, 9, 10, 11, 12, 14]),
    ("lymphocytes", [11, 12, 13]),                       # two continuations
    ("Naïve CD8+ T cells", [18, 16, 22, 23, 19, 5, 13]),  # accent stripped, cd8 -> cd ##8, + split off
    ("cell monocyte", [5, 1]),                            # unknown word -> [UNK]
    ("cellx", [1]),                                       # prefix matches but remainder does not: whole word [UNK]
    ("CD14-positive", [16, 17, 15, 1]),
    ("cell\ttype\u00a0(b)", [5, 6, 20, 8, 21]),           # tab and no-break space are whitespace
    ("ce\x07ll", [5]),                                    # control character removed
    ("细胞cell", [1, 1, 5]),                              # CJK characters become separate words
    ("Çell Ä", [5, 10]),                                  # upper-case accented letters
    ("b$cell", [8, 1, 5]),                                # ASCII symbols are punctuation in BERT
    ("a" * 100, [10] + [25] * 99),                        # 100 chars: still tokenized
    ("a" * 101, [1]),                                     # over max_input_chars_per_word
    ("", []),
    ("   ", []),
]


class WordPieceTest(unittest.TestCase):
    def setUp(self):
        self.tok = WordPieceTokenizer(VOCAB)

    def test_golden_table(self):
        for text, expected in GOLDEN:
            with self.subTest(text=text[:30]):
                self.assertEqual(self.tok.encode(text), [2] + expected + [3])

    def test_basic_tokenize(self):
        self.assertEqual(basic_tokenize("Hello, WORLD!"), ["hello", ",", "world", "!"])
        self.assertEqual(basic_tokenize("café\u0301"), ["cafe"])

    def test_truncation_keeps_cls_and_sep(self):
        ids = self.tok.encode("cell " * 600)
        self.assertEqual(len(ids), 512)
        self.assertEqual((ids[0], ids[1], ids[-2], ids[-1]), (2, 5, 5, 3))

    def test_vocab_errors(self):
        with self.assertRaisesRegex(VocabError, "twice"):
            WordPieceTokenizer(VOCAB + ["cell"])
        with self.assertRaisesRegex(VocabError, r"\[CLS\]"):
            WordPieceTokenizer([t for t in VOCAB if t != "[CLS]"])

    def test_tokenizer_json_reads_ids_from_vocab(self):
        # Specials at unusual positions must be taken from the vocabulary, not assumed.
        vocab = ["x", "[SEP]", "[CLS]", "y", "[UNK]", "[PAD]"]
        tj = tokenizer_json(vocab)
        self.assertEqual(tj["model"]["vocab"], {t: i for i, t in enumerate(vocab)})
        self.assertEqual(tj["post_processor"]["special_tokens"]["[CLS]"]["ids"], [2])
        self.assertEqual(tj["post_processor"]["special_tokens"]["[SEP]"]["ids"], [1])
        self.assertEqual({t["content"]: t["id"] for t in tj["added_tokens"]},
                         {"[PAD]": 5, "[UNK]": 4, "[CLS]": 2, "[SEP]": 1})
        self.assertTrue(all(t["special"] for t in tj["added_tokens"]))
        self.assertEqual(tj["normalizer"], {"type": "BertNormalizer", "clean_text": True,
                                            "handle_chinese_chars": True, "strip_accents": None, "lowercase": True})
        self.assertEqual(tj["truncation"], {"direction": "Right", "max_length": 512,
                                            "strategy": "LongestFirst", "stride": 0})
        self.assertIsNone(tj["padding"])
        self.assertEqual(tj["model"]["max_input_chars_per_word"], 100)


if __name__ == "__main__":
    unittest.main()
