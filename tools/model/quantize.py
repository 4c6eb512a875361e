"""int8 variants of exported graphs, written with python3-onnx alone (onnxruntime's Python quantizer
is not installable here).

Every ``MatMul`` whose second input is a constant 2-D weight [K, N] becomes an integer product:
the weight is quantized per output channel (column n: symmetric int8, scale max|W[:, n]| / 127,
zero point 0) and the activation is quantized per call (dynamic, uint8 asymmetric, onnxruntime's
choice for x86). Everything else stays fp32: attention scores and softmax (MatMuls of two
activations), LayerNorm, embeddings, and the final projections (``cell_proj``, ``text_proj``,
``ctm_head``: tiny, and the last thing before the answer).

Two operator forms, chosen by measurement (bench/results/quantize-*.md):
  ``dqmatmul``      com.microsoft.DynamicQuantizeMatMul(A, W_q, scale[N], zero[N], bias[N]): one fused node;
  ``matmulinteger`` DynamicQuantizeLinear(A) -> MatMulInteger(A_q, W_q, a_zero, zero[N]) -> Cast ->
                    Mul(a_scale * scale[N]) -> Add(bias): standard ONNX only.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INT8_OPS = ("dqmatmul", "matmulinteger")
DEFAULT_INT8_OP = "dqmatmul"
# Nodes named like these stay fp32 (torch.onnx names nodes after the module path).
KEEP_FP32 = re.compile(r"(^|/)(cell_proj|text_proj|ctm_head)(/|$)")
MS_DOMAIN = "com.microsoft"



class QuantizeError(ValueError):
    pass


def quantize_weight_per_column(weight: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """[K, N] float -> (int8 [K, N], float32 scale [N]); symmetric, zero point 0. An all-zero column
    gets scale 1 so that dequantization stays exact (0 * 1)."""
    if weight.ndim != 2:
        raise QuantizeError(f"expected a 2-D weight, got shape {weight.shape}")
    w = weight.astype(np.float32)
    amax = np.max(np.abs(w), axis=0)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale


def _consumers(graph: onnx.GraphProto) -> Dict[str, List[onnx.NodeProto]]:
    out: Dict[str, List[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            out.setdefault(name, []).append(node)
    return out


def _initializers(graph: onnx.GraphProto) -> Dict[str, onnx.TensorProto]:
    """Initializers by name, also under the outputs of Identity nodes that forward one: torch.onnx
    stores equal tensors once and forwards them (a random init's all-zero biases, for example)."""
    inits = {i.name: i for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            inits[node.output[0]] = inits[node.input[0]]
    return inits


def _constant_bias(graph_inits: Dict[str, onnx.TensorProto], add: onnx.NodeProto, matmul_out: str,
                   columns: int) -> Optional[str]:
    """The Add's other input when it is a constant [N] vector (the Linear's bias), else None."""
    if add.op_type != "Add" or len(add.input) != 2:
        return None
    other = add.input[1] if add.input[0] == matmul_out else add.input[0]
    init = graph_inits.get(other)
    if init is None or list(init.dims) != [columns] or init.data_type != TensorProto.FLOAT:
        return None
    return other


def quantizable_matmuls(model: onnx.ModelProto, keep_fp32: Optional[str] = None) -> List[onnx.NodeProto]:
    """MatMul nodes with a constant 2-D float weight as second input, minus the final projections
    and any node whose name matches ``keep_fp32``."""
    inits = _initializers(model.graph)
    extra = re.compile(keep_fp32) if keep_fp32 else None
    found = []
    for node in model.graph.node:
        if node.op_type != "MatMul" or KEEP_FP32.search(node.name) or (extra and extra.search(node.name)):
            continue
        w = inits.get(node.input[1])
        if w is not None and len(w.dims) == 2 and w.data_type == TensorProto.FLOAT:
            found.append(node)
    return found


def quantize_model(model: onnx.ModelProto, op: str = DEFAULT_INT8_OP, keep_fp32: Optional[str] = None,
                   layers: int = 0) -> Tuple[onnx.ModelProto, Dict[str, int]]:
    """A new model with the quantizable MatMuls (and their bias Adds) rewritten; returns it and counts.

    layers > 0 keeps the first encoder layer fp32: the graph has ``layers`` layers of equally many
    products, exported in execution order, so layer 0's are the first count/layers of them. Off by
    default: on the demo model it changed pbmc68k's top-1 agreement with fp32 by one cell of 700
    (99.14% kept fp32, 99.00% int8; noise among near-ties) while costing 1/12 of the int8 gain at
    LangCell's 12 layers."""
    if op not in INT8_OPS:
        raise QuantizeError(f"unknown int8 operator form {op!r}; choose one of {', '.join(INT8_OPS)}")
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    inits = _initializers(graph)
    consumers = _consumers(graph)
    candidates = quantizable_matmuls(model, keep_fp32)
    if layers > 0:
        if len(candidates) % layers != 0:
            raise QuantizeError(f"{len(candidates)} weight products do not split into {layers} equal layers")
        candidates = candidates[len(candidates) // layers:]
    targets = {id(n) for n in candidates}
    quantized_weights: Dict[str, Tuple[str, str, str]] = {}  # weight name -> (q, scale, zero)
    new_inits: List[onnx.TensorProto] = []
    replaced_adds = set()
    new_nodes: List[onnx.NodeProto] = []
    counts = {"matmuls": 0, "biasesFused": 0, "weightsQuantized": 0}

    def weight_entry(name: str) -> Tuple[str, str, str]:
        if name not in quantized_weights:
            q, scale = quantize_weight_per_column(numpy_helper.to_array(inits[name]))
            names = (f"{name}_int8", f"{name}_scale", f"{name}_zero")
            new_inits.extend([numpy_helper.from_array(q, names[0]), numpy_helper.from_array(scale, names[1]),
                              numpy_helper.from_array(np.zeros(scale.shape, np.int8), names[2])])
            quantized_weights[name] = names
            counts["weightsQuantized"] += 1
        return quantized_weights[name]

    for node in graph.node:
        if id(node) in replaced_adds:
            continue
        if id(node) not in targets:
            new_nodes.append(node)
            continue
        a, w = node.input[0], node.input[1]
        columns = int(inits[w].dims[1])
        q, scale, zero = weight_entry(w)
        out = node.output[0]
        users = consumers.get(out, [])
        bias = None
        if len(users) == 1 and out not in {o.name for o in graph.output}:
            bias = _constant_bias(inits, users[0], out, columns)
        if bias is not None:
            replaced_adds.add(id(users[0]))
            out = users[0].output[0]
            counts["biasesFused"] += 1
        base = node.name or out
        if op == "dqmatmul":
            inputs = [a, q, scale, zero] + ([bias] if bias else [])
            new_nodes.append(helper.make_node("DynamicQuantizeMatMul", inputs, [out], name=f"{base}_int8",
                                              domain=MS_DOMAIN))
        else:
            a_q, a_scale, a_zero = f"{base}_a_q", f"{base}_a_scale", f"{base}_a_zero"
            acc, acc_f, both, product = f"{base}_acc", f"{base}_acc_f", f"{base}_scale_ab", f"{base}_product"
            new_nodes.extend([
                helper.make_node("DynamicQuantizeLinear", [a], [a_q, a_scale, a_zero], name=f"{base}_dql"),
                helper.make_node("MatMulInteger", [a_q, q, a_zero, zero], [acc], name=f"{base}_mmi"),
                helper.make_node("Cast", [acc], [acc_f], name=f"{base}_cast", to=TensorProto.FLOAT),
                helper.make_node("Mul", [a_scale, scale], [both], name=f"{base}_scales"),
                helper.make_node("Mul", [acc_f, both], [product if bias else out], name=f"{base}_dequant"),
            ])
            if bias:
                new_nodes.append(helper.make_node("Add", [product, bias], [out], name=f"{base}_bias"))
        counts["matmuls"] += 1

    del graph.node[:]
    graph.node.extend(new_nodes)
    still_used = {name for n in graph.node for name in n.input} | {o.name for o in graph.output}
    kept = [i for i in graph.initializer if i.name in still_used] + new_inits
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if op == "dqmatmul" and not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    onnx.checker.check_model(model)
    return model, counts


def quantize_file(src: str, dst: str, op: str = DEFAULT_INT8_OP, keep_fp32: Optional[str] = None,
                  layers: int = 0) -> Dict[str, int]:
    model, counts = quantize_model(onnx.load(src), op, keep_fp32, layers)
    onnx.save(model, dst)
    return counts


def int8_file_name(graph_file: str) -> str:
    """cell_encoder.onnx -> cell_encoder.int8.onnx"""
    if not graph_file.endswith(".onnx"):
        raise QuantizeError(f"not an ONNX file name: {graph_file}")
    return graph_file[: -len(".onnx")] + ".int8.onnx"


def graph_files() -> Iterable[str]:
    return ("cell_encoder.onnx", "text_encoder.onnx", "ctm.onnx")
