"""Export LangCell modules to a ``langcell-onnx/1`` bundle (see docs/bundle-format.md).

``export_bundle`` is the one entry point, used by the CLI (checkpoint or random weights) and by the
demo training script (modules trained in memory).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import random
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import CLS_TOKEN, MASK_TOKEN, PAD_TOKEN, sha256_file
from .modeling import LangCellParts, cell_mask_bias, text_mask_bias
from .wordpiece import CLS, MASK, PAD, SEP, UNK, WordPieceTokenizer, tokenizer_json

FORMAT = "langcell-onnx/1"
EXPORTER = "langcell-atlas tools/model 1"
OPSET = 17
CELL_MAX_LENGTH = 2048
TEXT_MAX_LENGTH = 512
TEMPERATURE = 0.05
DEFAULT_ALPHA = 0.1
PARITY_TOLERANCE = 1e-4

# LangCell-style label texts ("cell type: {name}. {definition}; "), with capitals, an accent and
# punctuation so that the tokenizer parity test covers normalisation.
DEFAULT_REFERENCE_TEXTS = [
    "cell type: B cell. A lymphocyte of B lineage that is capable of B cell mediated immunity; ",
    "cell type: CD14-positive monocyte. A monocyte that expresses CD14 (naïve, in blood); ",
    "cell type: natural killer cell. A γδ-like innate lymphocyte — NK; ",
]


class ExportError(ValueError):
    pass


# ---------------------------------------------------------------------------------------------
# Export wrappers (what the ONNX graphs compute)

class CellEncoderExport(nn.Module):
    def __init__(self, parts: LangCellParts):
        super().__init__()
        self.cell_bert, self.cell_proj = parts.cell_bert, parts.cell_proj

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        h = self.cell_bert(input_ids, attention_mask)
        return F.normalize(self.cell_proj(h[:, 0]), dim=-1), h


class TextEncoderExport(nn.Module):
    def __init__(self, parts: LangCellParts):
        super().__init__()
        self.text_bert, self.text_proj = parts.text_bert, parts.text_proj

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.text_bert(input_ids, attention_mask)
        return F.normalize(self.text_proj(h[:, 0]), dim=-1)


class CTMAllPairs(nn.Module):
    """p_match [N, K] for N cells x K texts in one pass, equal to LangCell's per-pair ``ctm``.

    Each layer projects a cell's cross-attention keys/values once ([N, L, H]) and broadcasts them
    over the texts; the text stream is [K, S, H] until layer 0's cross-attention and [N, K, S, H]
    from there on (text queries [.., K, S] attend to the cell's K/V [N, 1, L] by broadcasting)."""

    def __init__(self, parts: LangCellParts):
        super().__init__()
        self.text_bert, self.ctm_head = parts.text_bert, parts.ctm_head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                cell_hidden: torch.Tensor, cell_attention_mask: torch.Tensor) -> torch.Tensor:
        text_bias = text_mask_bias(attention_mask)                 # [K, 1, 1, S]: right-aligns with [N, K, heads, S, S]
        cross_bias = cell_mask_bias(cell_attention_mask)[:, None]  # [N, 1, 1, 1, L]
        h = self.text_bert.embeddings(input_ids)                   # [K, S, H]
        layers = list(self.text_bert.encoder.layer)
        for index, layer in enumerate(layers):
            # Only the [CLS] row of the last layer reaches ctm_head, and in a layer every later step
            # (cross-attention, feed-forward) is row-wise: the last layer's queries, residual and
            # everything after its self-attention are computed for that one row (keys/values of
            # the self-attention still come from every text token).
            queries = h[..., :1, :] if index == len(layers) - 1 else h
            h = layer.attention(queries, h, text_bias)
            keys, values = layer.crossattention.self.keys_values(cell_hidden)  # [N, heads, L, d]
            h = layer.crossattention.forward_with_kv(h, keys[:, None], values[:, None], cross_bias)
            h = layer.feed_forward(h)                              # [N, K, S or 1, H]
        return torch.softmax(self.ctm_head(h[..., 0, :]), dim=-1)[..., 1]


# Graph signatures: (file, wrapper, input names, output names, dynamic axes).
GRAPHS = {
    "cell_encoder.onnx": (CellEncoderExport, ["input_ids", "attention_mask"], ["cell_embedding", "last_hidden_state"],
                          {"input_ids": {0: "B", 1: "L"}, "attention_mask": {0: "B", 1: "L"},
                           "cell_embedding": {0: "B"}, "last_hidden_state": {0: "B", 1: "L"}}),
    "text_encoder.onnx": (TextEncoderExport, ["input_ids", "attention_mask"], ["text_embedding"],
                          {"input_ids": {0: "T", 1: "S"}, "attention_mask": {0: "T", 1: "S"},
                           "text_embedding": {0: "T"}}),
    "ctm.onnx": (CTMAllPairs, ["input_ids", "attention_mask", "cell_hidden", "cell_attention_mask"], ["p_match"],
                 {"input_ids": {0: "K", 1: "S"}, "attention_mask": {0: "K", 1: "S"},
                  "cell_hidden": {0: "N", 1: "L"}, "cell_attention_mask": {0: "N", 1: "L"},
                  "p_match": {0: "N", 1: "K"}}),
}


def _example_inputs(file: str, parts: LangCellParts):
    """Small tracing inputs with every dynamic dimension distinct, so none is mistaken for another."""
    ones = lambda *shape: torch.ones(*shape, dtype=torch.long)  # noqa: E731
    if file == "cell_encoder.onnx":
        return (torch.full((2, 5), 2, dtype=torch.long), ones(2, 5))
    if file == "text_encoder.onnx":
        return (torch.full((3, 7), 2, dtype=torch.long), ones(3, 7))
    hidden = parts.cell_bert.dims.hidden_size
    return (torch.full((3, 6), 2, dtype=torch.long), ones(3, 6), torch.zeros(2, 5, hidden), ones(2, 5))


CLASSIFIER_FILE = "cell_classifier.onnx"
CLASSIFIER_CLASSES_FILE = "cell_classifier_classes.json"


def export_classifier_onnx(classifier: nn.Module, path: str) -> None:
    """`cell_classifier.onnx`: input_ids, attention_mask -> logits [B, K] (LangCell-CE's head)."""
    classifier.eval()
    example = (torch.full((2, 5), 2, dtype=torch.long), torch.ones(2, 5, dtype=torch.long))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant type is missing")
        torch.onnx.export(classifier, example, path, opset_version=OPSET, input_names=["input_ids", "attention_mask"],
                          output_names=["logits"], do_constant_folding=True, export_params=True,
                          dynamic_axes={"input_ids": {0: "B", 1: "L"}, "attention_mask": {0: "B", 1: "L"},
                                        "logits": {0: "B"}})


def export_onnx(parts: LangCellParts, file: str, path: str) -> None:
    wrapper_class, input_names, output_names, dynamic_axes = GRAPHS[file]
    wrapper = wrapper_class(parts).eval()
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about Python ints taken from shapes; every such value here is a
        # constant of the architecture (head size), and dynamic dims are checked by the tests.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        # torch 1.13 reports this for constant shape tuples; the exported shapes are checked by the tests.
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant type is missing")
        torch.onnx.export(wrapper, _example_inputs(file, parts), path, opset_version=OPSET,
                          input_names=input_names, output_names=output_names, dynamic_axes=dynamic_axes,
                          do_constant_folding=True, export_params=True)


# ---------------------------------------------------------------------------------------------
# Reference outputs (plain per-item PyTorch, independent of the wrappers above)

def reference_cells(gene_vocab: Mapping[str, int], max_length: int, seed: int) -> List[List[int]]:
    """Cells of varied lengths: just <cls>, short, medium and the longest allowed, unsorted so padding
    falls in different places. Genes are distinct within a cell, as rank-value tokenization makes them."""
    cls_id = gene_vocab[CLS_TOKEN]
    genes = [i for t, i in gene_vocab.items() if t not in (CLS_TOKEN, PAD_TOKEN, MASK_TOKEN)]
    longest = min(max_length, len(genes) + 1)
    lengths = [max(2, longest // 4), 1, longest, min(17, longest)]
    rng = random.Random(seed)
    return [[cls_id] + rng.sample(genes, n - 1) for n in lengths]


def pad_batch(rows: Sequence[Sequence[int]], pad_id: int):
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


def compute_reference(parts: LangCellParts, cells: List[List[int]], texts: Sequence[str], text_ids: List[List[int]],
                      cell_pad_id: int) -> Dict[str, Any]:
    """LangCell's computations one item at a time: cells padded together (as its collator does),
    texts one at a time (as text_encode), CTM one (cell, text) pair at a time (as ctm)."""
    parts.eval()
    ids, mask = pad_batch(cells, cell_pad_id)
    cell_emb, hidden = parts.cell_forward(ids, mask)
    text_emb = torch.cat([parts.text_embedding(torch.tensor([t]), torch.ones(1, len(t), dtype=torch.long))
                          for t in text_ids])
    p_match = torch.zeros(len(cells), len(text_ids))
    for i, cell in enumerate(cells):
        cell_hidden = hidden[i: i + 1, : len(cell)]
        for k, t in enumerate(text_ids):
            p_match[i, k] = parts.ctm_pairs(torch.tensor([t]), torch.ones(1, len(t), dtype=torch.long),
                                            cell_hidden, torch.ones(1, len(cell), dtype=torch.long))[0]
    return {
        "cells": [{"input_ids": c} for c in cells],
        "cell_embedding": cell_emb.tolist(),
        "cell_hidden_cls": hidden[:, 0].tolist(),
        "texts": [{"text": t, "input_ids": ids} for t, ids in zip(texts, text_ids)],
        "text_embedding": text_emb.tolist(),
        "p_match": p_match.tolist(),
    }


def check_parity(bundle_dir: str, reference: Mapping[str, Any], cell_pad_id: int, text_pad_id: int,
                 suffix: str = ".onnx") -> Dict[str, float]:
    """Run the exported graphs (``cell_encoder<suffix>``…) on the reference inputs (batched, padded)
    and return max abs diffs."""
    from .onnx_runner import run_onnx

    cells = [c["input_ids"] for c in reference["cells"]]
    texts = [t["input_ids"] for t in reference["texts"]]
    cell_ids, cell_mask = (x.numpy() for x in pad_batch(cells, cell_pad_id))
    text_ids, text_mask = (x.numpy() for x in pad_batch(texts, text_pad_id))
    cell_out = run_onnx(os.path.join(bundle_dir, "cell_encoder" + suffix),
                        {"input_ids": cell_ids, "attention_mask": cell_mask})
    text_out = run_onnx(os.path.join(bundle_dir, "text_encoder" + suffix),
                        {"input_ids": text_ids, "attention_mask": text_mask})
    ctm_out = run_onnx(os.path.join(bundle_dir, "ctm" + suffix),
                       {"input_ids": text_ids, "attention_mask": text_mask,
                        "cell_hidden": cell_out["last_hidden_state"], "cell_attention_mask": cell_mask})
    diff = lambda got, key: float(np.max(np.abs(np.asarray(got, dtype=np.float64) - np.asarray(reference[key]))))  # noqa: E731
    return {
        "cell_embedding": diff(cell_out["cell_embedding"], "cell_embedding"),
        "cell_hidden_cls": diff(cell_out["last_hidden_state"][:, 0], "cell_hidden_cls"),
        "text_embedding": diff(text_out["text_embedding"], "text_embedding"),
        "p_match": diff(ctm_out["p_match"], "p_match"),
    }


def check_classifier_parity(bundle_dir: str, reference: Mapping[str, Any], cell_pad_id: int) -> float:
    from .onnx_runner import run_onnx

    ids, mask = (x.numpy() for x in pad_batch([c["input_ids"] for c in reference["cells"]], cell_pad_id))
    out = run_onnx(os.path.join(bundle_dir, CLASSIFIER_FILE), {"input_ids": ids, "attention_mask": mask})
    return float(np.max(np.abs(np.asarray(out["logits"], dtype=np.float64) - np.asarray(reference["classifier_logits"]))))


# ---------------------------------------------------------------------------------------------
# Bundle

def bundle_id(name: str, file_hashes: Mapping[str, str]) -> str:
    """name + '-' + first 12 hex of sha256 over "<file> <sha256>\\n" lines in byte order of file name."""
    lines = "".join(f"{f} {file_hashes[f]}\n" for f in sorted(file_hashes, key=lambda f: f.encode("utf-8")))
    return f"{name}-{hashlib.sha256(lines.encode('utf-8')).hexdigest()[:12]}"


def _write_json(path: str, value: Any, compact: bool = True) -> None:
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(value, f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        else:
            json.dump(value, f, ensure_ascii=False, indent=2, allow_nan=False)
            f.write("\n")


def _check_vocabularies(parts: LangCellParts, gene_vocab: Mapping[str, int], medians: Mapping[str, float],
                        text_vocab: Sequence[str]) -> None:
    cell_rows, text_rows = parts.cell_bert.dims.vocab_size, parts.text_bert.dims.vocab_size
    if CLS_TOKEN not in gene_vocab or gene_vocab.get(PAD_TOKEN) != 0 or gene_vocab.get(MASK_TOKEN) != 1:
        raise ExportError("gene vocabulary needs <pad> = 0, <mask> = 1 and <cls> (use checkpoint.build_gene_vocab)")
    if cell_rows < len(gene_vocab):
        raise ExportError(f"cell_bert vocab_size {cell_rows} is smaller than the gene vocabulary "
                          f"({len(gene_vocab)} ids incl. <cls> = {gene_vocab[CLS_TOKEN]})")
    if text_rows < len(text_vocab):
        raise ExportError(f"text_bert vocab_size {text_rows} is smaller than the text vocabulary ({len(text_vocab)} tokens)")
    missing = [g for g in medians if g not in gene_vocab]
    if missing:
        raise ExportError(f"{len(missing)} genes have a median but no token, e.g. {missing[0]!r}")


def export_bundle(parts: LangCellParts, gene_vocab: Mapping[str, int], gene_medians: Mapping[str, float],
                  gene_symbols: Optional[Mapping[str, str]], text_vocab: Sequence[str], out_dir: str, name: str,
                  provenance: Mapping[str, Any], training: Optional[Mapping[str, Any]] = None,
                  alpha: float = DEFAULT_ALPHA, raw_configs: Optional[Mapping[str, bytes]] = None,
                  reference_texts: Sequence[str] = DEFAULT_REFERENCE_TEXTS, seed: int = 0,
                  verify: bool = True, log=print, classifier: Optional[nn.Module] = None,
                  classifier_classes: Optional[Sequence[Mapping[str, Any]]] = None) -> Dict[str, Any]:
    """Write a complete bundle to ``out_dir`` (created; must be empty) and return its manifest.

    parts: the five modules (eval mode is set here). gene_vocab: Ensembl id -> token id including
    <pad>, <mask>, <cls>. text_vocab: WordPiece tokens in id order (vocab.txt lines).
    provenance: at least {"kind": "trained" | "checkpoint" | "random-init", "source": ...}.
    raw_configs: {"cell": bytes, "text": bytes} to copy config.json verbatim (else the modules' configs).
    verify: run the ONNX graphs on the reference inputs and fail above 1e-4 (needs onnxruntime or node).
    classifier / classifier_classes: a LangCell-CE model (ids, mask -> logits [B, K]) and its K classes
    ({"name", "ontologyId"}), written as cell_classifier.onnx + cell_classifier_classes.json."""
    if not 0.0 <= alpha <= 1.0:
        raise ExportError(f"alpha must be within [0, 1], got {alpha}")
    if os.path.exists(out_dir) and os.listdir(out_dir):
        raise ExportError(f"{out_dir} exists and is not empty; choose a new directory")
    parts.check_compatible()
    parts.eval()
    if (classifier is None) != (classifier_classes is None):
        raise ExportError("a classifier needs its class list, and a class list its classifier")
    _check_vocabularies(parts, gene_vocab, gene_medians, text_vocab)
    tokenizer = WordPieceTokenizer(text_vocab)
    cell_dims, text_dims = parts.cell_bert.dims, parts.text_bert.dims
    cell_max = min(CELL_MAX_LENGTH, cell_dims.max_position_embeddings)
    text_max = min(TEXT_MAX_LENGTH, text_dims.max_position_embeddings)
    os.makedirs(out_dir, exist_ok=True)

    for file in GRAPHS:
        log(f"exporting {file} ...")
        export_onnx(parts, file, os.path.join(out_dir, file))
    if classifier is not None:
        log(f"exporting {CLASSIFIER_FILE} ...")
        export_classifier_onnx(classifier, os.path.join(out_dir, CLASSIFIER_FILE))
        _write_json(os.path.join(out_dir, CLASSIFIER_CLASSES_FILE), [dict(c) for c in classifier_classes], compact=False)

    ordered_vocab = dict(sorted(gene_vocab.items(), key=lambda kv: kv[1]))
    _write_json(os.path.join(out_dir, "gene_vocab.json"), ordered_vocab)
    _write_json(os.path.join(out_dir, "gene_medians.json"), dict(gene_medians))
    if gene_symbols is not None:
        _write_json(os.path.join(out_dir, "gene_symbols.json"), dict(gene_symbols))
    _write_json(os.path.join(out_dir, "tokenizer.json"), tokenizer_json(text_vocab, text_max))
    raw_configs = raw_configs or {}
    for side, module in (("cell", parts.cell_bert), ("text", parts.text_bert)):
        path = os.path.join(out_dir, f"{side}_config.json")
        if side in raw_configs:
            with open(path, "wb") as f:
                f.write(raw_configs[side])
        else:
            _write_json(path, module.config, compact=False)

    log("computing reference outputs with PyTorch ...")
    cells = reference_cells(gene_vocab, cell_max, seed)
    text_ids = [tokenizer.encode(t, text_max) for t in reference_texts]
    reference = compute_reference(parts, cells, reference_texts, text_ids, cell_pad_id=gene_vocab[PAD_TOKEN])
    if classifier is not None:
        with torch.no_grad():
            reference["classifier_logits"] = classifier(*pad_batch(cells, gene_vocab[PAD_TOKEN])).tolist()
        if len(reference["classifier_logits"][0]) != len(classifier_classes):
            raise ExportError(f"the classifier has {len(reference['classifier_logits'][0])} outputs for "
                              f"{len(classifier_classes)} classes")
    _write_json(os.path.join(out_dir, "reference_outputs.json"), reference)

    prov = dict(provenance)
    prov.setdefault("torch", torch.__version__)
    prov.setdefault("exporter", EXPORTER)
    if verify:
        log("checking the ONNX graphs against the reference outputs ...")
        diffs = check_parity(out_dir, reference, gene_vocab[PAD_TOKEN], tokenizer.vocab[PAD])
        if classifier is not None:
            diffs["classifier_logits"] = check_classifier_parity(out_dir, reference, gene_vocab[PAD_TOKEN])
        worst = max(diffs.values())
        log("max abs diff ONNX vs PyTorch: " + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
        if worst > PARITY_TOLERANCE:
            raise ExportError(f"ONNX output differs from PyTorch by {worst:.3e} (> {PARITY_TOLERANCE}): {diffs}")
        prov["parity"] = {"maxAbsDiff": diffs, "tolerance": PARITY_TOLERANCE}

    files = {f: {"sha256": sha256_file(os.path.join(out_dir, f)), "bytes": os.path.getsize(os.path.join(out_dir, f))}
             for f in sorted(os.listdir(out_dir))}
    vocab = tokenizer.vocab
    manifest: Dict[str, Any] = {
        "format": FORMAT,
        "id": bundle_id(name, {f: v["sha256"] for f, v in files.items()}),
        "name": name,
        "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "embeddingDim": parts.embedding_dim,
        "cell": {"hiddenSize": cell_dims.hidden_size, "layers": cell_dims.num_hidden_layers,
                 "heads": cell_dims.num_attention_heads, "intermediateSize": cell_dims.intermediate_size,
                 "maxLength": cell_max, "vocabSize": cell_dims.vocab_size, "padId": gene_vocab[PAD_TOKEN],
                 "maskId": gene_vocab[MASK_TOKEN], "clsId": gene_vocab[CLS_TOKEN]},
        "text": {"hiddenSize": text_dims.hidden_size, "layers": text_dims.num_hidden_layers,
                 "heads": text_dims.num_attention_heads, "intermediateSize": text_dims.intermediate_size,
                 "maxLength": text_max, "vocabSize": text_dims.vocab_size, "padId": vocab[PAD],
                 "unkId": vocab[UNK], "clsId": vocab[CLS], "sepId": vocab[SEP], "lowercase": True},
        "scoring": {"temperature": TEMPERATURE, "alpha": alpha},
        "onnx": {"opset": OPSET},
        "files": files,
        "provenance": prov,
    }
    if MASK in vocab:
        manifest["text"]["maskId"] = vocab[MASK]
    if classifier is not None:
        manifest["classifier"] = {"file": CLASSIFIER_FILE, "classes": CLASSIFIER_CLASSES_FILE,
                                  "numClasses": len(classifier_classes)}
    if training is not None:
        manifest["training"] = dict(training)
    _write_json(os.path.join(out_dir, "manifest.json"), manifest, compact=False)
    log(f"bundle {manifest['id']} written to {out_dir}")
    return manifest


# ---------------------------------------------------------------------------------------------
# int8 variants (tools/model/quantize.py), in the same bundle as their fp32 twins

def int8_bundle_id(name: str, files: Mapping[str, Mapping[str, Any]], int8_files: Mapping[str, Mapping[str, Any]]) -> str:
    """The int8 model's id: the id rule over the files the int8 model runs (its graphs in place of
    the fp32 ones, the vocabularies shared), named ``<name>-int8``. The fp32 id is unchanged."""
    from .quantize import graph_files, int8_file_name

    effective = {f: v["sha256"] for f, v in files.items() if f not in set(graph_files())}
    for graph in graph_files():
        effective[int8_file_name(graph)] = int8_files[int8_file_name(graph)]["sha256"]
    return bundle_id(f"{name}-int8", effective)


def add_int8_variants(bundle_dir: str, op: Optional[str] = None, keep_fp32: Optional[str] = None,
                      first_layer_fp32: bool = False, log=print) -> Dict[str, Any]:
    """Writes ``<graph>.int8.onnx`` beside each fp32 graph of a bundle and records them in the
    manifest's ``int8`` section (files, id, how they were made, and the largest difference from
    PyTorch on the reference inputs). Fidelity against the fp32 twin is measured by the service's
    ``langcell-atlas fidelity`` and written to ``int8.fidelity``; until then the service
    refuses to run the int8 graphs. Re-quantizing drops an earlier fidelity record."""
    from .onnx_runner import available_backend
    from .quantize import DEFAULT_INT8_OP, KEEP_FP32, graph_files, int8_file_name, quantize_file

    op = op or DEFAULT_INT8_OP
    manifest_path = os.path.join(bundle_dir, "manifest.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    counts, int8_files = {}, {}
    for graph in graph_files():
        target = int8_file_name(graph)
        log(f"quantizing {graph} -> {target} ({op}) ...")
        layers = manifest["cell" if graph == "cell_encoder.onnx" else "text"]["layers"] if first_layer_fp32 else 0
        counts[target] = quantize_file(os.path.join(bundle_dir, graph), os.path.join(bundle_dir, target), op,
                                       keep_fp32 or None, layers)
        path = os.path.join(bundle_dir, target)
        int8_files[target] = {"sha256": sha256_file(path), "bytes": os.path.getsize(path)}
    section: Dict[str, Any] = {
        "id": int8_bundle_id(manifest["name"], manifest["files"], int8_files),
        "files": int8_files,
        "quantization": {
            "weights": "int8 per output channel, symmetric (zero point 0)",
            "activations": "uint8 per call (dynamic, asymmetric)",
            "operator": {"dqmatmul": "com.microsoft.DynamicQuantizeMatMul",
                         "matmulinteger": "DynamicQuantizeLinear + MatMulInteger"}[op],
            "keptFp32": ["attention scores and softmax", "LayerNorm", "embeddings",
                         "final projections (" + KEEP_FP32.pattern + ")"],
            "keptFp32Nodes": keep_fp32 or None,
            "firstLayerFp32": first_layer_fp32,
            "rewritten": counts,
        },
    }
    if available_backend():
        with open(os.path.join(bundle_dir, "reference_outputs.json"), encoding="utf-8") as f:
            reference = json.load(f)
        diffs = check_parity(bundle_dir, reference, manifest["cell"]["padId"], manifest["text"]["padId"],
                             suffix=".int8.onnx")
        log("max abs diff int8 ONNX vs PyTorch (fp32): " + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
        section["referenceMaxAbsDiff"] = diffs
    manifest["int8"] = section
    _write_json(manifest_path, manifest, compact=False)
    log(f"int8 model {section['id']} added to {bundle_dir}; measure its fidelity with "
        f"`langcell-atlas fidelity --bundle {bundle_dir}` before serving it")
    return manifest
