import json
import os
import pickle
import shutil
import tempfile
import unittest

import numpy as np
import torch

from tools.model.checkpoint import (CheckpointError, UnsafePickleError, build_gene_vocab, load_checkpoint,
                                    read_gene_dicts, read_safetensors, restricted_pickle_load)
from tools.model.export import pad_batch

from .helpers import N_GENES, tiny_parts, write_fake_checkpoint, write_safetensors


class Explode:
    """Unpickling this would run a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="langcell-ckpt-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)


class SafetensorsTest(TempDirTest):
    def test_dtypes(self):
        values = torch.tensor([[1.5, -2.25], [3.0, 0.0078125]])
        path = os.path.join(self.tmp, "a.safetensors")
        write_safetensors(path, {"f32": values, "f16": values.half(), "i64": torch.tensor([7, -1])})
        got = read_safetensors(path)
        self.assertTrue(torch.equal(got["f32"], values))
        self.assertEqual(got["f16"].dtype, torch.float16)
        self.assertTrue(torch.equal(got["f16"].float(), values))
        self.assertTrue(torch.equal(got["i64"], torch.tensor([7, -1])))
        write_safetensors(path, {"bf16": values}, bf16=True)
        self.assertTrue(torch.equal(read_safetensors(path)["bf16"], values))  # exactly representable in bf16

    def test_corrupt_offsets_are_refused(self):
        path = os.path.join(self.tmp, "b.safetensors")
        head = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 64]}}).encode()
        with open(path, "wb") as f:
            f.write(len(head).to_bytes(8, "little") + head + b"\0" * 16)
        with self.assertRaisesRegex(CheckpointError, "'w' offsets"):
            read_safetensors(path)


class RestrictedPickleTest(TempDirTest):
    def write(self, name, obj):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            pickle.dump(obj, f)
        return path

    def test_numpy_scalars_become_python_numbers(self):
        path = self.write("d.pkl", {"<pad>": 0, "ENSG1": np.int16(2), "m": np.float64(0.125)})
        value = restricted_pickle_load(path)
        self.assertEqual(value, {"<pad>": 0, "ENSG1": 2, "m": 0.125})
        self.assertIs(type(value["ENSG1"]), int)

    def test_code_execution_is_refused(self):
        marker = os.path.join(self.tmp, "pwned")
        path = self.write("evil.pkl", {"<pad>": Explode(marker)})
        with self.assertRaisesRegex(UnsafePickleError, "refusing to load posix.system"):
            restricted_pickle_load(path)
        self.assertFalse(os.path.exists(marker))

    def test_arrays_and_object_scalars_are_refused(self):
        with self.assertRaisesRegex(UnsafePickleError, "refusing"):
            restricted_pickle_load(self.write("arr.pkl", {"a": np.arange(3)}))
        with self.assertRaises(UnsafePickleError):
            restricted_pickle_load(self.write("c.pkl", {"a": np.complex128(1j)}))

    def test_gene_dicts_from_pickles(self):
        write_fake_checkpoint(self.tmp, tiny_parts())
        vocab, medians, symbols, hashes = read_gene_dicts(self.tmp)
        self.assertEqual(vocab["<cls>"], len(vocab) - 1)
        self.assertEqual(len(vocab), N_GENES + 3)
        self.assertEqual(len(medians), N_GENES)
        self.assertEqual(set(hashes), {"token_dictionary.pkl", "gene_median_dictionary.pkl", "gene_name_id_dict.pkl"})

    def test_gene_vocab_rules(self):
        self.assertEqual(build_gene_vocab({"<pad>": 0, "<mask>": 1, "ENSG1": 2})["<cls>"], 3)
        with self.assertRaisesRegex(CheckpointError, "<pad> = 0"):
            build_gene_vocab({"<pad>": 1, "<mask>": 0})
        with self.assertRaisesRegex(CheckpointError, "gaps"):
            build_gene_vocab({"<pad>": 0, "<mask>": 1, "ENSG1": 5})


class CheckpointLoadTest(TempDirTest):
    def test_fake_checkpoint_loads_with_identical_outputs(self):
        original = tiny_parts(seed=4)
        write_fake_checkpoint(self.tmp, original)
        loaded, raw_configs, hashes = load_checkpoint(self.tmp)
        self.assertEqual(set(hashes), {"cell_bert/config.json", "text_bert/config.json", "cell_bert/pytorch_model.bin",
                                       "text_bert/model.safetensors", "cell_proj.bin", "text_proj.bin", "ctm_head.bin"})
        with open(os.path.join(self.tmp, "text_bert", "config.json"), "rb") as f:
            self.assertEqual(raw_configs["text"], f.read())
        ids, mask = pad_batch([[N_GENES + 2, 5, 9, 3], [N_GENES + 2, 7]], 0)
        for a, b in zip(original.cell_forward(ids, mask), loaded.cell_forward(ids, mask)):
            self.assertTrue(torch.equal(a, b))
        texts, text_mask = pad_batch([[2, 40, 41, 3], [2, 50, 3]], 0)
        self.assertTrue(torch.equal(original.text_embedding(texts, text_mask), loaded.text_embedding(texts, text_mask)))
        _, hidden = original.cell_forward(ids, mask)
        self.assertTrue(torch.equal(original.ctm_pairs(texts, text_mask, hidden, mask),
                                    loaded.ctm_pairs(texts, text_mask, hidden, mask)))

    def test_bert_prefix_is_tolerated(self):
        parts = tiny_parts()
        write_fake_checkpoint(self.tmp, parts)
        path = os.path.join(self.tmp, "cell_bert", "pytorch_model.bin")
        torch.save({"bert." + k: v for k, v in parts.cell_bert.state_dict().items()}, path)
        load_checkpoint(self.tmp)

    def test_shape_mismatch_names_key_and_both_shapes(self):
        parts = tiny_parts()
        write_fake_checkpoint(self.tmp, parts)
        state = dict(parts.cell_bert.state_dict())
        state["encoder.layer.1.attention.self.query.weight"] = torch.zeros(32, 16)
        torch.save(state, os.path.join(self.tmp, "cell_bert", "pytorch_model.bin"))
        with self.assertRaises(CheckpointError) as ctx:
            load_checkpoint(self.tmp)
        message = str(ctx.exception)
        self.assertIn("cell_bert (pytorch_model.bin)", message)
        self.assertIn("'encoder.layer.1.attention.self.query.weight': expected shape [32, 32], found [32, 16]", message)

    def test_missing_and_unexpected_keys_are_reported(self):
        parts = tiny_parts()
        write_fake_checkpoint(self.tmp, parts)
        state = dict(parts.ctm_head.state_dict())
        state["weight"] = torch.zeros(3, 48)
        torch.save(state, os.path.join(self.tmp, "ctm_head.bin"))
        with self.assertRaisesRegex(CheckpointError, r"(?s)ctm_head.bin.*'weight': expected shape \[2, 48\], found \[3, 48\]"):
            load_checkpoint(self.tmp)
        write_fake_checkpoint(os.path.join(self.tmp, "again"), parts)
        state = dict(parts.text_bert.state_dict())
        del state["encoder.layer.0.crossattention.self.key.bias"]
        state["embeddings.token_type_embeddings.weight"] = torch.zeros(2, 48)
        write_safetensors(os.path.join(self.tmp, "again", "text_bert", "model.safetensors"), state)
        with self.assertRaises(CheckpointError) as ctx:
            load_checkpoint(os.path.join(self.tmp, "again"))
        self.assertIn("missing key 'encoder.layer.0.crossattention.self.key.bias' (expected shape [48])", str(ctx.exception))
        self.assertIn("unexpected key 'embeddings.token_type_embeddings.weight' (shape [2, 48])", str(ctx.exception))

    def test_pickled_code_in_weights_is_refused(self):
        parts = tiny_parts()
        write_fake_checkpoint(self.tmp, parts)
        marker = os.path.join(self.tmp, "pwned")
        with open(os.path.join(self.tmp, "cell_proj.bin"), "wb") as f:
            pickle.dump({"weight": Explode(marker)}, f)
        with self.assertRaisesRegex(CheckpointError, "refused"):
            load_checkpoint(self.tmp)
        self.assertFalse(os.path.exists(marker))


if __name__ == "__main__":
    unittest.main()
