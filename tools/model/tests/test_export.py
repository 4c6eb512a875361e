import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

import numpy as np

from tools.model.cli import main as cli_main
from tools.model.export import ExportError, bundle_id, export_bundle, pad_batch
from tools.model.onnx_runner import available_backend, run_onnx, session_io_names
from tools.model.presets import tiny_text_vocab

from .helpers import tiny_parts, write_fake_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BACKEND = available_backend()
GRAPH_IO = {
    "cell_encoder.onnx": (["input_ids", "attention_mask"], ["cell_embedding", "last_hidden_state"]),
    "text_encoder.onnx": (["input_ids", "attention_mask"], ["text_embedding"]),
    "ctm.onnx": (["input_ids", "attention_mask", "cell_hidden", "cell_attention_mask"], ["p_match"]),
}


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli_main(list(args))
    return code, out.getvalue() + err.getvalue()


class TinyExportTest(unittest.TestCase):
    """One tiny random-init export through the CLI, inspected by several tests."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="langcell-export-test-")
        cls.bundle = os.path.join(cls.tmp, "bundle")
        code, cls.output = run_cli("export", "--random-init", "tiny", "--out", cls.bundle,
                                   *([] if BACKEND else ["--no-verify"]))
        assert code == 0, cls.output
        with open(os.path.join(cls.bundle, "manifest.json")) as f:
            cls.manifest = json.load(f)
        with open(os.path.join(cls.bundle, "reference_outputs.json")) as f:
            cls.reference = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_files_and_hashes(self):
        files = self.manifest["files"]
        expected = {"cell_encoder.onnx", "text_encoder.onnx", "ctm.onnx", "gene_vocab.json", "gene_medians.json",
                    "gene_symbols.json", "tokenizer.json", "reference_outputs.json", "cell_config.json",
                    "text_config.json"}
        self.assertEqual(set(files), expected)
        self.assertEqual(set(os.listdir(self.bundle)), expected | {"manifest.json"})
        for name, entry in files.items():
            with open(os.path.join(self.bundle, name), "rb") as f:
                data = f.read()
            self.assertEqual(entry, {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}, name)

    def test_id_rule(self):
        lines = "".join(f"{name} {self.manifest['files'][name]['sha256']}\n"
                        for name in sorted(self.manifest["files"], key=lambda n: n.encode()))
        expected = "langcell-random-tiny-" + hashlib.sha256(lines.encode()).hexdigest()[:12]
        self.assertEqual(self.manifest["id"], expected)
        self.assertEqual(bundle_id("x", {"b": "2", "a": "1"}), "x-" + hashlib.sha256(b"a 1\nb 2\n").hexdigest()[:12])

    def test_manifest_fields(self):
        m = self.manifest
        self.assertEqual(m["format"], "langcell-onnx/1")
        self.assertEqual(m["embeddingDim"], 256)
        self.assertEqual(m["scoring"], {"temperature": 0.05, "alpha": 0.1})
        self.assertEqual(m["onnx"], {"opset": 17})
        self.assertEqual((m["cell"]["maxLength"], m["text"]["maxLength"]), (2048, 512))
        with open(os.path.join(self.bundle, "gene_vocab.json")) as f:
            vocab = json.load(f)
        self.assertEqual((vocab["<pad>"], vocab["<mask>"], vocab["<cls>"]), (0, 1, len(vocab) - 1))
        self.assertEqual(m["cell"]["clsId"], len(vocab) - 1)
        self.assertGreaterEqual(m["cell"]["vocabSize"], len(vocab))
        tokens = tiny_text_vocab()
        self.assertEqual([m["text"][k] for k in ("padId", "unkId", "clsId", "sepId")],
                         [tokens.index(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]")])
        self.assertEqual(m["provenance"]["kind"], "random-init")
        self.assertEqual(m["provenance"]["preset"], "tiny")

    def test_reference_layout(self):
        r = self.reference
        lengths = [len(c["input_ids"]) for c in r["cells"]]
        self.assertIn(1, lengths)
        self.assertEqual(np.asarray(r["cell_embedding"]).shape, (len(lengths), 256))
        self.assertEqual(np.asarray(r["cell_hidden_cls"]).shape, (len(lengths), self.manifest["cell"]["hiddenSize"]))
        self.assertEqual(np.asarray(r["text_embedding"]).shape, (len(r["texts"]), 256))
        self.assertEqual(np.asarray(r["p_match"]).shape, (len(lengths), len(r["texts"])))
        cls_id, sep_id = self.manifest["text"]["clsId"], self.manifest["text"]["sepId"]
        for t in r["texts"]:
            self.assertEqual((t["input_ids"][0], t["input_ids"][-1]), (cls_id, sep_id))
        self.assertIn(self.manifest["text"]["unkId"], sum((t["input_ids"] for t in r["texts"]), []))

    @unittest.skipUnless(BACKEND, "no ONNX runtime (onnxruntime or node + onnxruntime-node)")
    def test_graph_signatures(self):
        for name, (inputs, outputs) in GRAPH_IO.items():
            self.assertEqual(session_io_names(os.path.join(self.bundle, name)), {"inputs": inputs, "outputs": outputs})

    @unittest.skipUnless(BACKEND, "no ONNX runtime (onnxruntime or node + onnxruntime-node)")
    def test_onnx_matches_pytorch_reference(self):
        r = self.reference
        cells, texts = [c["input_ids"] for c in r["cells"]], [t["input_ids"] for t in r["texts"]]
        cell_ids, cell_mask = (x.numpy() for x in pad_batch(cells, 0))
        text_ids, text_mask = (x.numpy() for x in pad_batch(texts, self.manifest["text"]["padId"]))
        cell = run_onnx(os.path.join(self.bundle, "cell_encoder.onnx"),
                        {"input_ids": cell_ids, "attention_mask": cell_mask})
        text = run_onnx(os.path.join(self.bundle, "text_encoder.onnx"),
                        {"input_ids": text_ids, "attention_mask": text_mask})
        ctm = run_onnx(os.path.join(self.bundle, "ctm.onnx"),
                       {"input_ids": text_ids, "attention_mask": text_mask,
                        "cell_hidden": cell["last_hidden_state"], "cell_attention_mask": cell_mask})
        self.assertEqual(ctm["p_match"].shape, (len(cells), len(texts)))
        self.assertLessEqual(np.abs(cell["cell_embedding"] - r["cell_embedding"]).max(), 1e-4)
        self.assertLessEqual(np.abs(cell["last_hidden_state"][:, 0] - r["cell_hidden_cls"]).max(), 1e-4)
        self.assertLessEqual(np.abs(text["text_embedding"] - r["text_embedding"]).max(), 1e-4)
        self.assertLessEqual(np.abs(ctm["p_match"] - r["p_match"]).max(), 1e-4)
        # A single one-token cell against a single text (every dynamic dimension at 1).
        one = run_onnx(os.path.join(self.bundle, "ctm.onnx"),
                       {"input_ids": np.asarray([texts[2]]), "attention_mask": np.ones((1, len(texts[2])), np.int64),
                        "cell_hidden": cell["last_hidden_state"][1:2, :1], "cell_attention_mask": np.ones((1, 1), np.int64)})
        self.assertLessEqual(abs(one["p_match"][0, 0] - r["p_match"][1][2]), 1e-4)

    @unittest.skipUnless(BACKEND == "node" and os.path.isdir(os.path.join(REPO, "node_modules", "@huggingface", "tokenizers")),
                         "needs node and @huggingface/tokenizers")
    def test_tokenizer_json_agrees_with_reference_wordpiece(self):
        # The TypeScript side reads tokenizer.json with @huggingface/tokenizers; it must give the ids
        # the Python reference tokenizer wrote.
        script = ("import { Tokenizer } from '@huggingface/tokenizers'; import fs from 'fs';"
                  "const d = process.argv[1];"
                  "const tok = new Tokenizer(JSON.parse(fs.readFileSync(d + '/tokenizer.json', 'utf8')), {});"
                  "const r = JSON.parse(fs.readFileSync(d + '/reference_outputs.json', 'utf8'));"
                  "console.log(JSON.stringify(r.texts.map(t => tok.encode(t.text).ids)));")
        proc = subprocess.run(["node", "--input-type=module", "-e", script, self.bundle], cwd=REPO,
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout), [t["input_ids"] for t in self.reference["texts"]])


class CheckpointExportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="langcell-ckpt-export-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_fake_published_checkpoint_exports(self):
        ckpt = os.path.join(self.tmp, "ckpt")
        write_fake_checkpoint(ckpt, tiny_parts(seed=7))
        out = os.path.join(self.tmp, "bundle")
        code, output = run_cli("export", "--checkpoint", ckpt, "--text-vocab", os.path.join(ckpt, "vocab.txt"),
                               "--gene-dicts", ckpt, "--out", out, "--name", "fake", "--alpha", "0.3",
                               *([] if BACKEND else ["--no-verify"]))
        self.assertEqual(code, 0, output)
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
        self.assertTrue(manifest["id"].startswith("fake-"))
        self.assertEqual(manifest["scoring"]["alpha"], 0.3)
        prov = manifest["provenance"]
        self.assertEqual(prov["kind"], "checkpoint")
        self.assertIn("text_bert/model.safetensors", prov["checkpointFiles"])
        self.assertIn("token_dictionary.pkl", prov["geneDictFiles"])
        if BACKEND:
            self.assertLessEqual(max(prov["parity"]["maxAbsDiff"].values()), 1e-4)
        for side in ("cell", "text"):
            with open(os.path.join(ckpt, f"{side}_bert", "config.json"), "rb") as a, \
                    open(os.path.join(out, f"{side}_config.json"), "rb") as b:
                self.assertEqual(a.read(), b.read())  # verbatim

    def test_shape_mismatch_stops_the_cli(self):
        ckpt = os.path.join(self.tmp, "ckpt")
        write_fake_checkpoint(ckpt, tiny_parts())
        with open(os.path.join(ckpt, "cell_bert", "config.json")) as f:
            config = json.load(f)
        config["intermediate_size"] = 80
        with open(os.path.join(ckpt, "cell_bert", "config.json"), "w") as f:
            json.dump(config, f)
        out = os.path.join(self.tmp, "bundle")
        code, output = run_cli("export", "--checkpoint", ckpt, "--text-vocab", os.path.join(ckpt, "vocab.txt"),
                               "--gene-dicts", ckpt, "--out", out)
        self.assertEqual(code, 1)
        self.assertIn("'encoder.layer.0.intermediate.dense.weight': expected shape [80, 32], found [64, 32]", output)
        self.assertFalse(os.path.exists(out))

    def test_small_cell_vocab_is_refused(self):
        parts = tiny_parts(n_genes=10)  # 13 embedding rows, but the gene vocabulary below has 23 ids
        vocab = {"<pad>": 0, "<mask>": 1, **{f"G{i}": i + 2 for i in range(20)}, "<cls>": 22}
        with self.assertRaisesRegex(ExportError, "vocab_size 13 is smaller than the gene vocabulary"):
            export_bundle(parts, vocab, {}, None, tiny_text_vocab(), os.path.join(self.tmp, "b"), "x",
                          {"kind": "trained"}, log=lambda *_: None)


if __name__ == "__main__":
    unittest.main()
