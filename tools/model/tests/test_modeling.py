import unittest

import torch

from tools.model.export import CTMAllPairs, CellEncoderExport, TextEncoderExport, pad_batch
from tools.model.modeling import CellBert, ConfigError, LangCellParts, TextBert
from tools.model.presets import cell_config, text_config

from .helpers import N_GENES, tiny_parts

CLS_ID = N_GENES + 2


def random_cells(lengths, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [[CLS_ID] + torch.randint(2, CLS_ID, (n - 1,), generator=g).tolist() for n in lengths]


def random_texts(lengths, vocab_size, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [[2] + torch.randint(5, vocab_size, (n - 2,), generator=g).tolist() + [3] for n in lengths]


class CTMAllPairsTest(unittest.TestCase):
    def test_all_pairs_equals_each_pair_alone(self):
        parts = tiny_parts()
        cells = random_cells([9, 1, 30])
        texts = random_texts([5, 12, 3, 8], parts.text_bert.dims.vocab_size)
        cell_ids, cell_mask = pad_batch(cells, 0)
        text_ids, text_mask = pad_batch(texts, 0)
        with torch.no_grad():
            _, hidden = parts.cell_forward(cell_ids, cell_mask)
            all_pairs = CTMAllPairs(parts).eval()(text_ids, text_mask, hidden, cell_mask)
        self.assertEqual(tuple(all_pairs.shape), (3, 4))
        for i, cell in enumerate(cells):
            for k, text in enumerate(texts):
                # The plain module, one unpadded (cell, text) pair at a time, as LangCell's ctm().
                alone = parts.ctm_pairs(torch.tensor([text]), torch.ones(1, len(text), dtype=torch.long),
                                        hidden[i: i + 1, : len(cell)], torch.ones(1, len(cell), dtype=torch.long))
                self.assertLessEqual(abs(float(alone[0]) - float(all_pairs[i, k])), 1e-5, (i, k))
        # Scores are not degenerate (a broken broadcast tends to give identical rows or columns).
        self.assertGreater(float(all_pairs.max() - all_pairs.min()), 0.05)

    def test_batched_rows_match_langcell_repetition(self):
        # LangCell repeats one text N times against a padded cell batch; column k must equal that.
        parts = tiny_parts(seed=3)
        cells = random_cells([4, 17, 2], seed=5)
        texts = random_texts([6, 10], parts.text_bert.dims.vocab_size, seed=6)
        cell_ids, cell_mask = pad_batch(cells, 0)
        text_ids, text_mask = pad_batch(texts, 0)
        with torch.no_grad():
            _, hidden = parts.cell_forward(cell_ids, cell_mask)
            all_pairs = CTMAllPairs(parts).eval()(text_ids, text_mask, hidden, cell_mask)
        for k in range(len(texts)):
            repeated = parts.ctm_pairs(text_ids[k: k + 1].expand(3, -1), text_mask[k: k + 1].expand(3, -1),
                                       hidden, cell_mask)
            self.assertLessEqual(float((repeated - all_pairs[:, k]).abs().max()), 1e-5)


class PaddingTest(unittest.TestCase):
    def test_cell_padding_does_not_change_embedding(self):
        parts = tiny_parts()
        cell = random_cells([12])[0]
        encoder = CellEncoderExport(parts).eval()
        with torch.no_grad():
            alone_emb, alone_h = encoder(torch.tensor([cell]), torch.ones(1, 12, dtype=torch.long))
            ids, mask = pad_batch([cell, random_cells([50], seed=9)[0]], 0)
            batch_emb, batch_h = encoder(ids, mask)
        self.assertLessEqual(float((alone_emb[0] - batch_emb[0]).abs().max()), 1e-5)
        self.assertLessEqual(float((alone_h[0, 0] - batch_h[0, 0]).abs().max()), 1e-5)
        self.assertAlmostEqual(float(batch_emb.norm(dim=-1)[0]), 1.0, places=5)

    def test_text_padding_does_not_change_embedding(self):
        parts = tiny_parts()
        texts = random_texts([4, 20], parts.text_bert.dims.vocab_size)
        encoder = TextEncoderExport(parts).eval()
        with torch.no_grad():
            alone = encoder(torch.tensor([texts[0]]), torch.ones(1, 4, dtype=torch.long))
            ids, mask = pad_batch(texts, 0)
            batched = encoder(ids, mask)
        self.assertLessEqual(float((alone[0] - batched[0]).abs().max()), 1e-5)


class ArchitectureTest(unittest.TestCase):
    def test_state_dict_names_match_the_checkpoint_layouts(self):
        parts = tiny_parts()
        cell_keys, text_keys = set(parts.cell_bert.state_dict()), set(parts.text_bert.state_dict())
        for key in ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                    "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
                    "encoder.layer.1.attention.self.query.weight", "encoder.layer.1.attention.output.dense.bias",
                    "encoder.layer.1.attention.output.LayerNorm.weight", "encoder.layer.1.intermediate.dense.weight",
                    "encoder.layer.1.output.dense.weight", "encoder.layer.1.output.LayerNorm.bias"]:
            self.assertIn(key, cell_keys)
        self.assertFalse(any("pooler" in k or "crossattention" in k or "position_ids" in k for k in cell_keys))
        self.assertIn("encoder.layer.0.crossattention.self.key.weight", text_keys)
        self.assertIn("encoder.layer.0.crossattention.output.LayerNorm.bias", text_keys)
        self.assertFalse(any("token_type" in k for k in text_keys))
        # Cross-attention keys/values read the cell hidden size (encoder_width).
        self.assertEqual(tuple(parts.text_bert.state_dict()["encoder.layer.0.crossattention.self.value.weight"].shape),
                         (48, 32))

    def test_activation_follows_config(self):
        self.assertIs(CellBert(cell_config(8, 1, 2, 16, 10)).encoder.layer[0].intermediate.act,
                      torch.nn.functional.relu)
        self.assertIs(TextBert(text_config(8, 1, 2, 16, 10, 8)).encoder.layer[0].intermediate.act,
                      torch.nn.functional.gelu)

    def test_incompatible_configs_are_refused(self):
        with self.assertRaisesRegex(ConfigError, "encoder_width 16 must equal cell_bert hidden_size 8"):
            LangCellParts.from_configs(cell_config(8, 1, 2, 16, 10), text_config(8, 1, 2, 16, 10, 16))
        bad = dict(cell_config(8, 1, 2, 16, 10), position_embedding_type="relative_key")
        with self.assertRaisesRegex(ConfigError, "relative_key"):
            CellBert(bad)
        with self.assertRaisesRegex(ConfigError, "hidden_act"):
            CellBert(dict(cell_config(8, 1, 2, 16, 10), hidden_act="swish"))


if __name__ == "__main__":
    unittest.main()
