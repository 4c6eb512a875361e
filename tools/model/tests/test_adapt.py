"""fewshot / finetune on tiny random models: training steps, frozen parameters, splits, refusals,
reading a bundle back, and exported adapted bundles against PyTorch through onnxruntime-node."""

import copy
import io
import json
import os
import random
import shutil
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import torch

from tools.model.adapt_errors import AdaptError
from tools.model.bundle_weights import read_bundle
from tools.model.cli import main as cli_main
from tools.model.export import pad_batch
from tools.model.fewshot import FewshotSettings, LabelTexts, fewshot_loss, prepare, train_step
from tools.model.export import CTMAllPairs
from tools.model.finetune import FinetuneSettings, freeze_for, linear_schedule, make_optimizer, new_classifier
from tools.model.finetune import train_step as ce_train_step
from tools.model.modeling import disable_dropout
from tools.model.onnx_runner import available_backend
from tools.model.training_data import (Label, check_vocabulary, ce_split, nshot_split, read_tokens_jsonl,
                                       resolve_labels, split_validation)

BACKEND = available_backend()
try:  # reading a bundle back needs the onnx package (Debian python3-onnx; .ci/run installs it)
    import onnx  # noqa: F401
    HAS_ONNX = True
except ImportError:
    HAS_ONNX = False
PROMPTS = ["cell type: b cell. a lymphocyte of b lineage; ", "cell type: t cell. a lymphocyte; ",
           "cell type: nk cell. natural killer; "]


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli_main(list(args))
    return code, out.getvalue(), err.getvalue()


def synthetic_cells(gene_vocab, n_cells, n_classes, seed):
    """Cells whose first genes depend on their class, so there is something to learn."""
    rng = random.Random(seed)
    cls_id = gene_vocab["<cls>"]
    genes = sorted(i for t, i in gene_vocab.items() if not t.startswith("<"))
    tokens, targets = [], []
    for i in range(n_cells):
        c = i % n_classes
        marker = genes[c * 5: c * 5 + 5]
        rest = rng.sample([g for g in genes if g not in marker], rng.randint(3, 20))
        tokens.append([cls_id] + marker + rest)
        targets.append(c)
    return tokens, targets


@unittest.skipUnless(HAS_ONNX, "needs the onnx package (python3-onnx) to read a bundle back")
class TinyBase(unittest.TestCase):
    """A tiny random-init bundle, read back as the starting point."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="langcell-adapt-test-")
        cls.bundle = os.path.join(cls.tmp, "base")
        code, out, err = run_cli("export", "--random-init", "tiny", "--out", cls.bundle, "--no-verify")
        assert code == 0, out + err
        cls.base = read_bundle(cls.bundle, verify=True)
        cls.tokens, cls.targets = synthetic_cells(cls.base.gene_vocab, 24, 3, seed=3)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def parts(self):
        parts = copy.deepcopy(self.base.parts)
        disable_dropout(parts)  # deterministic losses for before/after comparisons
        return parts


class ReadBackTest(TinyBase):
    def test_modules_read_back_from_the_graphs_are_the_exported_ones(self):
        # The CLI export seeds torch with 0 and perturbs every parameter; rebuild the same modules.
        from tools.model.modeling import LangCellParts, init_weights
        from tools.model.presets import preset_configs, preset_vocabularies
        torch.manual_seed(0)
        tokens, _, _, text_vocab = preset_vocabularies("tiny", 0, None)
        cell_config, text_config, _ = preset_configs("tiny", len(tokens) + 1, len(text_vocab))
        original = LangCellParts.from_configs(cell_config, text_config)
        for module in original.modules().values():
            init_weights(module, cell_config["initializer_range"], perturb=True)
        for name, module in original.modules().items():
            read = getattr(self.base.parts, name).state_dict()
            for key, value in module.state_dict().items():
                if key == "embeddings.token_type_embeddings.weight":
                    # Only row 0 reaches the graph (LangCell never passes token types).
                    self.assertTrue(torch.equal(read[key][0], value[0]), key)
                else:
                    self.assertTrue(torch.equal(read[key], value), f"{name}.{key}")

    def test_a_tampered_graph_is_refused(self):
        broken = os.path.join(self.tmp, "broken")
        shutil.copytree(self.bundle, broken)
        with open(os.path.join(broken, "ctm.onnx"), "ab") as f:
            f.write(b"\0")
        with self.assertRaises(AdaptError) as caught:
            read_bundle(broken)
        self.assertEqual(caught.exception.code, "BASE_BUNDLE_UNREADABLE")


class FewshotTrainingTest(TinyBase):
    def setUp(self):
        self.texts = LabelTexts(PROMPTS, self.base.text_vocab, 512)
        self.settings = FewshotSettings()
        self.batch = list(range(12))

    def loss(self, parts):
        ctm = CTMAllPairs(parts)
        ids, mask = pad_batch([self.tokens[i] for i in self.batch], 0)
        with torch.no_grad():
            return float(fewshot_loss(parts, ctm, ids, mask, self.texts, torch.tensor([self.targets[i] for i in self.batch])))

    def test_one_step_lowers_the_loss(self):
        parts = self.parts()
        optimizers = prepare(parts, self.settings)
        before = self.loss(parts)
        train_step(parts, CTMAllPairs(parts), optimizers, self.tokens, self.targets, self.batch, self.texts, 0, self.settings)
        self.assertLess(self.loss(parts), before)

    def test_ctm_head_stays_bit_identical_and_the_encoders_move(self):
        parts = self.parts()
        head = copy.deepcopy(parts.ctm_head.state_dict())
        cell = copy.deepcopy(parts.cell_bert.state_dict())
        text = copy.deepcopy(parts.text_bert.state_dict())
        optimizers = prepare(parts, self.settings)
        for _ in range(2):
            train_step(parts, CTMAllPairs(parts), optimizers, self.tokens, self.targets, self.batch, self.texts, 0,
                       self.settings)
        for key, value in head.items():
            self.assertTrue(torch.equal(parts.ctm_head.state_dict()[key], value), key)
        self.assertFalse(torch.equal(parts.cell_bert.state_dict()["encoder.layer.0.attention.self.query.weight"],
                                     cell["encoder.layer.0.attention.self.query.weight"]))
        # Cross-attention is part of text_bert, so the authors' text optimizer trains it too.
        self.assertFalse(torch.equal(parts.text_bert.state_dict()["encoder.layer.0.crossattention.self.key.weight"],
                                     text["encoder.layer.0.crossattention.self.key.weight"]))

    def test_micro_batches_give_the_same_update(self):
        whole, split = self.parts(), self.parts()
        small = FewshotSettings(token_budget=40)  # forces several pieces per batch
        for parts, settings in ((whole, self.settings), (split, small)):
            train_step(parts, CTMAllPairs(parts), prepare(parts, settings), self.tokens, self.targets, self.batch,
                       self.texts, 0, settings)
        a = whole.cell_bert.state_dict()["encoder.layer.1.output.dense.weight"]
        b = split.cell_bert.state_dict()["encoder.layer.1.output.dense.weight"]
        self.assertLess(float((a - b).abs().max()), 1e-6)


class FinetuneTrainingTest(TinyBase):
    def step(self, head_only):
        settings = FinetuneSettings.for_mode(head_only, warmup_steps=0)
        model = new_classifier(self.base.parts.cell_bert, 3, seed=1)
        for m in model.modules():
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
        freeze_for(model, head_only)
        optimizer = make_optimizer(model, settings)
        scheduler = linear_schedule(optimizer, settings.warmup_steps, 10)
        batch = list(range(16))
        ids, mask = pad_batch([self.tokens[i] for i in batch], 0)
        y = torch.tensor([self.targets[i] for i in batch])
        loss = lambda: float(torch.nn.functional.cross_entropy(model(ids, mask), y))  # noqa: E731
        before_state = copy.deepcopy(model.state_dict())
        with torch.no_grad():
            before = loss()
        ce_train_step(model, optimizer, scheduler, self.tokens, self.targets, batch, 0, settings)
        with torch.no_grad():
            after = loss()
        return model, before_state, before, after

    def test_one_full_step_lowers_the_loss(self):
        model, _, before, after = self.step(head_only=False)
        self.assertLess(after, before)

    def test_head_only_moves_only_the_classifier(self):
        model, before_state, before, after = self.step(head_only=True)
        self.assertLess(after, before)
        changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before_state[k])}
        self.assertEqual(changed, {"classifier.weight", "classifier.bias"})

    def test_the_base_encoder_is_not_touched(self):
        base = copy.deepcopy(self.base.parts.cell_bert.state_dict())
        self.step(head_only=False)
        for key, value in self.base.parts.cell_bert.state_dict().items():
            self.assertTrue(torch.equal(value, base[key]), key)

    def test_warmup_starts_at_zero_and_decays_linearly(self):
        settings = FinetuneSettings()
        model = new_classifier(self.base.parts.cell_bert, 3, seed=1)
        optimizer = make_optimizer(model, settings)
        schedule = linear_schedule(optimizer, warmup=4, total=12)
        lrs = []
        for _ in range(12):
            lrs.append(schedule.get_last_lr()[0] / settings.lr)
            optimizer.step()
            schedule.step()
        expected = [0, 0.25, 0.5, 0.75, 1.0, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8]
        np.testing.assert_allclose(lrs, expected, atol=1e-12)


class SplitTest(unittest.TestCase):
    # np.random.default_rng(2024).permutation(12) == [5, 7, 10, 2, 3, 11, 0, 1, 4, 9, 6, 8]
    # (Hugging Face datasets' shuffle(seed=2024) order for 12 rows).
    TARGETS = [0, 1, None, 0, 1, 2, 0, 1, 2, None, 2, 0]  # None = "Other"

    def test_first_n_per_class_in_shuffled_order_other_dropped(self):
        train, test = nshot_split(self.TARGETS, 2, 2024, 3)
        # Walk the permutation: 5(c2) 7(c1) 10(c2) 2(Other) 3(c0) 11(c0) 0(c0, full) 1(c1) ...
        self.assertEqual(train, [5, 7, 10, 3, 11, 1])
        self.assertEqual(test, [0, 4, 6, 8])
        self.assertEqual(nshot_split(self.TARGETS, 2, 2024, 3), (train, test))  # deterministic
        self.assertNotEqual(nshot_split(self.TARGETS, 2, 7, 3)[0], train)

    def test_validation_takes_the_last_cells_of_each_class(self):
        train, _ = nshot_split(self.TARGETS, 2, 2024, 3)
        fit, validation = split_validation(train, self.TARGETS, 1)
        self.assertEqual(fit, [5, 7, 3])
        self.assertEqual(validation, [10, 11, 1])

    def test_ce_split_two_to_one_restricted_to_seen_classes(self):
        # default_rng(1).permutation(9) == [7, 0, 1, 4, 2, 5, 8, 6, 3]; round(9 * 0.67) = 6 train.
        targets = [0, 0, 0, 1, 1, 1, 2, 0, 1]  # class 2 only at index 6, which falls in the test third
        train, test = ce_split(targets, seed=1)
        self.assertEqual(train, [7, 0, 1, 4, 2, 5])
        self.assertEqual(test, [8, 3])


class RefusalTest(unittest.TestCase):
    def test_too_few_cells(self):
        with self.assertRaises(AdaptError) as caught:
            nshot_split([0, 0, 1, None, None], 2, 2024, 2, ["B cell", "T cell"])
        self.assertEqual(caught.exception.code, "TOO_FEW_CELLS")
        self.assertIn("T cell (1)", str(caught.exception))

    def test_labels_absent_from_the_labels_file(self):
        labels = [Label("B cell", "CL:0000236", None), Label("T cell", "CL:0000084", None)]
        self.assertEqual([l and l.name for l in resolve_labels(["b cell", "Other", "CD3+"], labels, {"CD3+": "CL:0000084"})],
                         ["B cell", None, "T cell"])
        with self.assertRaises(AdaptError) as caught:
            resolve_labels(["B cell", "Monocyte", "NK"], labels, None)
        self.assertEqual(caught.exception.code, "LABEL_NOT_IN_LABELS_FILE")
        self.assertIn("'Monocyte', 'NK'", str(caught.exception))

    def test_vocabulary_that_does_not_fit(self):
        cases = {"another <cls>": [[9, 3, 4]], "id beyond the embedding": [[10, 3, 11]], "no known gene": [[10], [10], [10, 3]]}
        for what, tokens in cases.items():
            with self.subTest(what), self.assertRaises(AdaptError) as caught:
                check_vocabulary(tokens, cls_id=10, vocab_size=11, where="cells.h5ad")
            self.assertEqual(caught.exception.code, "VOCABULARY_MISMATCH")

    def test_missing_label_column(self):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write(json.dumps({"cell": "a", "input_ids": [10, 3], "obs": {"louvain": "1"}}) + "\n")
        try:
            with self.assertRaises(AdaptError) as caught:
                read_tokens_jsonl(f.name, "cell_type")
            self.assertEqual(caught.exception.code, "LABEL_COLUMN_MISSING")
        finally:
            os.unlink(f.name)


@unittest.skipUnless(BACKEND, "needs onnxruntime or node + onnxruntime-node to run the exported graphs")
class AdaptedBundleTest(TinyBase):
    """The CLI end to end on tokens files: bundles that pass the export's ONNX-vs-PyTorch check."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tokens, targets = synthetic_cells(cls.base.gene_vocab, 30, 3, seed=5)
        names = ["B cell", "T cell", "natural killer cell"]
        cls.tokens_file = os.path.join(cls.tmp, "cells.jsonl")
        with open(cls.tokens_file, "w") as f:
            for i, (t, y) in enumerate(zip(tokens, targets)):
                f.write(json.dumps({"cell": f"c{i}", "input_ids": t, "obs": {"cell_type": names[y]}}) + "\n")
            f.write(json.dumps({"cell": "x", "input_ids": tokens[0], "obs": {"cell_type": "Other"}}) + "\n")
        cls.labels = os.path.join(cls.tmp, "labels.tsv")
        with open(cls.labels, "w") as f:
            f.write("label\tid\tdefinition\nB cell\tCL:0000236\ta lymphocyte of b lineage\n"
                    "T cell\tCL:0000084\ta lymphocyte\nnatural killer cell\tCL:0000623\t\n")
        cls.common = ["--base-bundle", cls.bundle, "--tokens", cls.tokens_file, "--label-column", "cell_type",
                      "--labels", cls.labels, "--epochs", "1"]

    def test_finetune_bundle_with_classifier(self):
        out = os.path.join(self.tmp, "ce")
        split = os.path.join(self.tmp, "ce.split.tsv")
        code, stdout, stderr = run_cli("finetune", *self.common, "--drop-label", "Other", "--warmup-steps", "0",
                                       "--out", out, "--split-out", split)
        self.assertEqual(code, 0, stdout + stderr)
        self.assertIn("finetune epoch 1/1: loss", stdout)
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
        self.assertEqual(manifest["classifier"], {"file": "cell_classifier.onnx", "classes": "cell_classifier_classes.json",
                                                  "numClasses": 3})
        for file in ("cell_classifier.onnx", "cell_classifier_classes.json"):
            self.assertIn(file, manifest["files"])
        parity = manifest["provenance"]["parity"]["maxAbsDiff"]
        self.assertEqual(set(parity), {"cell_embedding", "cell_hidden_cls", "text_embedding", "p_match", "classifier_logits"})
        self.assertLessEqual(max(parity.values()), 1e-4)
        with open(os.path.join(out, "cell_classifier_classes.json")) as f:
            self.assertEqual(json.load(f)[2], {"name": "natural killer cell", "ontologyId": "CL:0000623"})
        prov = manifest["provenance"]
        self.assertEqual(prov["base"]["id"], self.base.provenance["id"])
        self.assertIn("cells.jsonl", prov["data"])
        self.assertIn("finetune", prov["commandLine"])
        self.assertEqual(manifest["training"]["trainCells"], round(30 * 0.67))  # "Other" dropped
        # The base encoders are carried over unchanged: the classifier owns its fine-tuned copy.
        again = read_bundle(out)
        for key, value in self.base.parts.cell_bert.state_dict().items():
            self.assertTrue(torch.equal(again.parts.cell_bert.state_dict()[key], value), key)

    def test_fewshot_bundle(self):
        out = os.path.join(self.tmp, "fs")
        code, stdout, stderr = run_cli("fewshot", *self.common, "--n-shot", "3", "--out", out)
        self.assertEqual(code, 0, stdout + stderr)
        self.assertIn("validation accuracy", stdout)
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
        training = manifest["training"]
        self.assertEqual((training["nShot"], training["seed"], training["validationCells"], training["trainCells"]),  # refit on all 9
                         (3, 2024, 3, 9))
        self.assertEqual(manifest["scoring"]["alpha"], training["alpha"])
        self.assertLessEqual(max(manifest["provenance"]["parity"]["maxAbsDiff"].values()), 1e-4)
        self.assertNotIn("classifier", manifest)

    def test_refusals_exit_2_with_their_code(self):
        cases = [
            (["fewshot", *self.common, "--n-shot", "11"], "[TOO_FEW_CELLS]"),
            (["finetune", *self.common, "--head-only"], "[INVALID_ARGUMENT]"),
            (["fewshot", *[a if a != "cell_type" else "louvain" for a in self.common], "--n-shot", "1"], "[LABEL_COLUMN_MISSING]"),
        ]
        for i, (args, code_text) in enumerate(cases):
            with self.subTest(code_text):
                code, stdout, stderr = run_cli(*args, "--out", os.path.join(self.tmp, f"refused{i}"))
                self.assertEqual(code, 2, stdout + stderr)
                self.assertIn(code_text, stderr)


@unittest.skipUnless(BACKEND, "needs onnxruntime or node + onnxruntime-node to run the exported graphs")
class CheckpointBaseTest(unittest.TestCase):
    """The published checkpoint layout as the base (CE few-shot, head only)."""

    def test_head_only_from_a_checkpoint(self):
        from tools.model.checkpoint import read_gene_dicts
        from .helpers import tiny_parts, write_fake_checkpoint

        tmp = tempfile.mkdtemp(prefix="langcell-adapt-ckpt-")
        try:
            ckpt = os.path.join(tmp, "ckpt")
            parts = tiny_parts(seed=4)
            write_fake_checkpoint(ckpt, parts)
            gene_vocab, _, _, _ = read_gene_dicts(ckpt)
            tokens, targets = synthetic_cells(gene_vocab, 12, 2, seed=2)
            tokens_file = os.path.join(tmp, "cells.jsonl")
            with open(tokens_file, "w") as f:
                for i, (t, y) in enumerate(zip(tokens, targets)):
                    f.write(json.dumps({"cell": f"c{i}", "input_ids": t, "obs": {"type": ["B cell", "T cell"][y]}}) + "\n")
            labels = os.path.join(tmp, "labels.tsv")
            with open(labels, "w") as f:
                f.write("name\tontology_id\nB cell\tCL:0000236\nT cell\tCL:0000084\n")
            out = os.path.join(tmp, "ce")
            code, stdout, stderr = run_cli("finetune", "--checkpoint", ckpt, "--text-vocab", os.path.join(ckpt, "vocab.txt"),
                                           "--gene-dicts", ckpt, "--tokens", tokens_file, "--label-column", "type",
                                           "--labels", labels, "--head-only", "--n-shot", "2", "--epochs", "2", "--out", out)
            self.assertEqual(code, 0, stdout + stderr)
            self.assertIn("finetune (head only) epoch 2/2", stdout)
            with open(os.path.join(out, "manifest.json")) as f:
                manifest = json.load(f)
            self.assertEqual(manifest["provenance"]["base"]["kind"], "checkpoint")
            self.assertIn("cell_bert/config.json", manifest["provenance"]["base"]["checkpointFiles"])
            self.assertEqual((manifest["training"]["method"], manifest["training"]["nShot"], manifest["training"]["trainCells"]),
                             ("langcell-ce-head-only", 2, 4))
            self.assertLessEqual(manifest["provenance"]["parity"]["maxAbsDiff"]["classifier_logits"], 1e-4)
        finally:
            shutil.rmtree(tmp)
