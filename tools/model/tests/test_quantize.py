"""int8 rewrite (tools/model/quantize.py) and the int8 section of a bundle."""

import collections
import io
import json
import os
import shutil
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tools.model.cli import main as cli_main
from tools.model.export import bundle_id, int8_bundle_id
from tools.model.onnx_runner import available_backend, run_onnx
from tools.model.quantize import quantize_model, quantize_weight_per_column

BACKEND = available_backend()


def linear_graph(weight: np.ndarray, bias: np.ndarray, name: str = "/layer/dense/MatMul") -> onnx.ModelProto:
    """x [B, S, K] -> x @ W + b, as torch.onnx writes a Linear on a 3-D input (MatMul then Add)."""
    k, n = weight.shape
    nodes = [helper.make_node("MatMul", ["x", "W"], ["xw"], name=name),
             helper.make_node("Add", ["xw", "b"], ["y"], name=name.replace("MatMul", "Add"))]
    graph = helper.make_graph(
        nodes, "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "S", k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", "S", n])],
        [numpy_helper.from_array(weight.astype(np.float32), "W"), numpy_helper.from_array(bias.astype(np.float32), "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def emulate_int8(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The integer product written out by hand (ONNX DynamicQuantizeLinear's definition for the
    activation; symmetric per-column int8 for the weight), in float64."""
    x = x.astype(np.float64)
    lo, hi = min(0.0, x.min()), max(0.0, x.max())
    a_scale = np.float32((hi - lo) / 255.0)
    a_zero = np.clip(np.rint(-lo / a_scale), 0, 255)
    x_q = np.clip(np.rint(x / a_scale) + a_zero, 0, 255)
    w_scale = np.abs(weight).max(axis=0) / 127.0
    w_q = np.clip(np.rint(weight / w_scale), -127, 127)
    return (x_q - a_zero) @ w_q * (float(a_scale) * w_scale) + bias


class WeightQuantizationTest(unittest.TestCase):
    def test_per_column_golden(self):
        # Column 0: max |w| = 1 -> scale 1/127; column 1: max |w| = 4 -> scale 4/127.
        # -2 / (4/127) = -63.5 and 0.5 / (1/127) = 63.5 round half to even: -64 and 64.
        q, scale = quantize_weight_per_column(np.array([[1.0, -2.0], [0.5, 4.0], [0.0, 0.0]]))
        np.testing.assert_array_equal(q, np.array([[127, -64], [64, 127], [0, 0]], dtype=np.int8))
        np.testing.assert_allclose(scale, [1 / 127, 4 / 127], rtol=1e-7)
        self.assertEqual(q.dtype, np.int8)

    def test_zero_column_keeps_scale_one(self):
        q, scale = quantize_weight_per_column(np.zeros((3, 2)))
        np.testing.assert_array_equal(q, np.zeros((3, 2), dtype=np.int8))
        np.testing.assert_array_equal(scale, [1.0, 1.0])


class RewriteTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(3)
        # Columns of very different magnitude: a per-tensor scale would flatten the small one to 0.
        self.weight = rng.normal(size=(24, 6)) * np.array([1e-3, 0.1, 1, 3, 10, 0.5])
        self.bias = rng.normal(size=6)
        self.x = rng.normal(size=(2, 5, 24)).astype(np.float32)

    def test_structure(self):
        for op, expected in (("dqmatmul", {"DynamicQuantizeMatMul": 1}),
                             ("matmulinteger", {"DynamicQuantizeLinear": 1, "MatMulInteger": 1, "Cast": 1, "Mul": 2, "Add": 1})):
            model, counts = quantize_model(linear_graph(self.weight, self.bias), op)
            self.assertEqual(dict(collections.Counter(n.op_type for n in model.graph.node)), expected, op)
            self.assertEqual(counts, {"matmuls": 1, "biasesFused": 1, "weightsQuantized": 1})
            names = {i.name for i in model.graph.initializer}
            self.assertNotIn("W", names, "the fp32 weight is dropped")
            self.assertEqual(model.graph.output[0].name, "y")

    def test_bias_forwarded_by_identity_is_fused(self):
        # torch.onnx stores equal tensors once and forwards copies through Identity nodes.
        model = linear_graph(self.weight, self.bias)
        model.graph.node.insert(0, helper.make_node("Identity", ["b"], ["b_copy"], name="Identity_1"))
        model.graph.node[2].input[:] = ["b_copy", "xw"]
        rewritten, counts = quantize_model(model)
        self.assertEqual(counts["biasesFused"], 1)
        self.assertEqual([n.op_type for n in rewritten.graph.node], ["Identity", "DynamicQuantizeMatMul"])
        self.assertEqual(list(rewritten.graph.node[1].input)[4], "b_copy")

    def test_final_projections_stay_fp32(self):
        for name in ("/ctm_head/MatMul", "/cell_proj/MatMul", "/text_proj/MatMul"):
            model, counts = quantize_model(linear_graph(self.weight, self.bias, name))
            self.assertEqual(counts["matmuls"], 0, name)
            self.assertEqual([n.op_type for n in model.graph.node], ["MatMul", "Add"])

    @unittest.skipUnless(BACKEND, "needs onnxruntime or node + onnxruntime-node")
    def test_both_forms_equal_the_integer_product(self):
        expected = emulate_int8(self.x, self.weight, self.bias)
        fp32 = self.x.astype(np.float64) @ self.weight + self.bias
        with tempfile.TemporaryDirectory() as tmp:
            for op in ("dqmatmul", "matmulinteger"):
                model, _ = quantize_model(linear_graph(self.weight, self.bias), op)
                path = os.path.join(tmp, f"{op}.onnx")
                onnx.save(model, path)
                got = run_onnx(path, {"x": self.x})["y"]
                np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=op)
                # and it is an approximation of the fp32 product, column by column
                err = np.abs(got - fp32).max(axis=(0, 1)) / np.abs(fp32).max(axis=(0, 1))
                self.assertLess(err.max(), 0.05, op)


class BundleInt8Test(unittest.TestCase):
    """A tiny export with --precision int8."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="langcell-int8-test-")
        cls.bundle = os.path.join(cls.tmp, "bundle")
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(out):
            code = cli_main(["export", "--random-init", "tiny", "--out", cls.bundle, "--precision", "int8", "--keep-first-layer",
                             *([] if BACKEND else ["--no-verify"])])
        assert code == 0, out.getvalue()
        with open(os.path.join(cls.bundle, "manifest.json")) as f:
            cls.manifest = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_section_files_and_ids(self):
        int8 = self.manifest["int8"]
        self.assertEqual(sorted(int8["files"]), ["cell_encoder.int8.onnx", "ctm.int8.onnx", "text_encoder.int8.onnx"])
        for file, entry in int8["files"].items():
            self.assertEqual(os.path.getsize(os.path.join(self.bundle, file)), entry["bytes"])
        self.assertNotIn("cell_encoder.int8.onnx", self.manifest["files"])
        # The fp32 id still covers exactly the fp32 files; the int8 id is the same rule over the int8 set.
        self.assertEqual(self.manifest["id"], bundle_id(self.manifest["name"], {f: v["sha256"] for f, v in self.manifest["files"].items()}))
        self.assertEqual(int8["id"], int8_bundle_id(self.manifest["name"], self.manifest["files"], int8["files"]))
        self.assertTrue(int8["id"].startswith("langcell-random-tiny-int8-"))
        self.assertNotIn("fidelity", int8)

    def test_every_layer_but_the_first_rewritten(self):
        rewritten = self.manifest["int8"]["quantization"]["rewritten"]
        # tiny: 2 layers, the first kept fp32 (--keep-first-layer); cell and text 6 products a layer (q, k, v,
        # out, 2 FFN), CTM 10 (+ cross q, k, v, out)
        self.assertEqual({f: c["matmuls"] for f, c in rewritten.items()},
                         {"cell_encoder.int8.onnx": 6, "text_encoder.int8.onnx": 6, "ctm.int8.onnx": 10})
        graph = onnx.load(os.path.join(self.bundle, "ctm.int8.onnx")).graph
        ops = collections.Counter(n.op_type for n in graph.node)
        self.assertEqual(ops["DynamicQuantizeMatMul"], 10)
        self.assertEqual(ops["LayerNormalization"], 7)  # embeddings + 3 per layer, all fp32
        kept = sorted(n.name for n in graph.node if n.op_type == "MatMul")
        self.assertIn("/ctm_head/MatMul", kept)
        for layer0 in ("/attention/query/MatMul", "/key/MatMul", "/output/dense/MatMul", "/output/dense_1/MatMul"):
            self.assertIn(layer0, kept)  # self-attention, cross-attention, cross output, FFN out of layer 0
        self.assertNotIn("/attention/query_1/MatMul", kept)  # layer 1

    @unittest.skipUnless(BACKEND, "needs onnxruntime or node + onnxruntime-node")
    def test_int8_close_to_pytorch(self):
        diffs = self.manifest["int8"]["referenceMaxAbsDiff"]
        self.assertLess(diffs["cell_embedding"], 0.05)
        self.assertLess(diffs["p_match"], 0.1)
        self.assertGreater(diffs["cell_embedding"], 0.0)  # int8 really ran (fp32 parity is 1e-7)

    def test_quantize_subcommand_rewrites_section(self):
        copy = os.path.join(self.tmp, "copy")
        shutil.copytree(self.bundle, copy)
        with open(os.path.join(copy, "manifest.json")) as f:
            manifest = json.load(f)
        manifest["int8"]["fidelity"] = {"stale": True}
        with open(os.path.join(copy, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(out):
            self.assertEqual(cli_main(["quantize", copy, "--int8-op", "matmulinteger"]), 0, out.getvalue())
        with open(os.path.join(copy, "manifest.json")) as f:
            again = json.load(f)
        self.assertNotIn("fidelity", again["int8"])
        self.assertEqual(again["id"], self.manifest["id"])
        self.assertNotEqual(again["int8"]["id"], self.manifest["int8"]["id"])
        ops = collections.Counter(n.op_type for n in onnx.load(os.path.join(copy, "cell_encoder.int8.onnx")).graph.node)
        self.assertEqual(ops["MatMulInteger"], 12)  # both layers: the default


if __name__ == "__main__":
    unittest.main()
