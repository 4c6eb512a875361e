"""Read a ``langcell-onnx/1`` bundle back into PyTorch modules (the starting point of fewshot/finetune).

A bundle carries no PyTorch weights; its three ONNX graphs do. ``torch.onnx.export`` keeps the
parameter names for embeddings, LayerNorms, biases and 2-D ``Linear`` weights (``Gemm``), but a
``Linear`` applied to a 3-D tensor becomes ``MatMul`` with a constant-folded, transposed, anonymous
weight (``onnx::MatMul_123``) followed by ``Add`` with the named bias. So a weight is found through
the ``Add`` that consumes its ``MatMul``: ``<name>.bias`` there means ``<name>.weight`` is the
transpose. The cell encoder's token-type embedding is folded to its row 0 (the only row LangCell
uses). Everything is checked: every parameter found exactly once, the text weights shared by
``text_encoder.onnx`` and ``ctm.onnx`` bit-identical, and the rebuilt modules reproduce the bundle's
own ``reference_outputs.json`` (``verify_against_reference``).

Reading the graphs (rather than shipping PyTorch weights next to each bundle) works for every bundle
this project made, including the committed demo bundle, without growing the bundle contract.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import torch

from .adapt_errors import AdaptError
from .checkpoint import sha256_file
from .export import compute_reference
from .modeling import LangCellParts, TextBert, CellBert, linear_head

GRAPH_MODULES = {
    "cell_encoder.onnx": ("cell_bert", "cell_proj"),
    "text_encoder.onnx": ("text_bert", "text_proj"),
    "ctm.onnx": ("text_bert", "ctm_head"),
}
# Within this of the stored PyTorch outputs the modules read back are the ones the bundle was made from.
READBACK_TOLERANCE = 1e-5


@dataclass
class BaseModel:
    """A starting point: the five modules plus the vocabularies a new bundle must carry over."""

    parts: LangCellParts
    gene_vocab: Dict[str, int]
    gene_medians: Dict[str, float]
    gene_symbols: Optional[Dict[str, str]]
    text_vocab: List[str]
    alpha: float
    provenance: Dict[str, Any]  # what the base was: bundle id + manifest sha256, or checkpoint file hashes
    bundle_dir: Optional[str] = None  # set when the base is a bundle (its vocabulary tokenizes inputs)
    gene_dicts_dir: Optional[str] = None  # set when the base is a checkpoint with Geneformer's dictionaries


def _graph_parameters(path: str) -> Dict[str, np.ndarray]:
    """Named parameters of one exported graph, recovered as described in the module docstring."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    initializers = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    consumers: Dict[str, List[Any]] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    params: Dict[str, np.ndarray] = {n: v for n, v in initializers.items() if not n.startswith("onnx::")}
    for node in model.graph.node:
        if node.op_type != "MatMul" or node.input[1] not in initializers or not node.input[1].startswith("onnx::"):
            continue
        adds = [n for n in consumers.get(node.output[0], []) if n.op_type == "Add"]
        biases = [i for a in adds for i in a.input if i.endswith(".bias") and i in initializers]
        if len(biases) != 1:
            raise AdaptError("BASE_BUNDLE_UNREADABLE", f"{path}: cannot tell which Linear the weight {node.input[1]} "
                             f"belongs to (the MatMul is followed by {len(biases)} named biases)")
        name = biases[0][: -len(".bias")] + ".weight"
        if name in params:
            raise AdaptError("BASE_BUNDLE_UNREADABLE", f"{path}: {name} found twice")
        params[name] = initializers[node.input[1]].T.copy()
    return params, initializers


def _token_type_row(initializers: Mapping[str, np.ndarray], hidden: int) -> np.ndarray:
    """The cell graph's folded token-type row 0: the one anonymous [hidden] initializer left."""
    rows = [v for n, v in initializers.items() if n.startswith("onnx::Add") and v.shape == (hidden,)]
    if len(rows) != 1:
        raise AdaptError("BASE_BUNDLE_UNREADABLE", f"cell_encoder.onnx: expected one folded token-type row of size "
                         f"{hidden}, found {len(rows)}")
    return rows[0]


def _load_state(module: torch.nn.Module, prefix: str, params: Mapping[str, np.ndarray], where: str) -> None:
    state = {}
    for key, current in module.state_dict().items():
        name = f"{prefix}.{key}"
        if name not in params:
            raise AdaptError("BASE_BUNDLE_UNREADABLE", f"{where}: parameter {name} not found in the graph")
        value = torch.from_numpy(np.array(params[name], dtype=np.float32))  # a writable copy
        if tuple(value.shape) != tuple(current.shape):
            raise AdaptError("BASE_BUNDLE_UNREADABLE", f"{where}: {name} has shape {tuple(value.shape)}, "
                             f"the config says {tuple(current.shape)}")
        state[key] = value
    module.load_state_dict(state, strict=True)


def read_bundle(bundle_dir: str, verify: bool = True) -> BaseModel:
    """The modules and vocabularies of a bundle; ``verify`` checks them against its reference outputs."""
    def read_json(name: str):
        with open(os.path.join(bundle_dir, name), encoding="utf-8") as f:
            return json.load(f)

    manifest_path = os.path.join(bundle_dir, "manifest.json")
    if not os.path.isfile(manifest_path):
        raise AdaptError("BASE_BUNDLE_UNREADABLE", f"{bundle_dir} has no manifest.json: not a bundle")
    manifest = read_json("manifest.json")
    if manifest.get("format") != "langcell-onnx/1":
        raise AdaptError("BASE_BUNDLE_UNREADABLE", f"{manifest_path}: format {manifest.get('format')!r} is not langcell-onnx/1")
    for file, entry in manifest["files"].items():
        if sha256_file(os.path.join(bundle_dir, file)) != entry["sha256"]:
            raise AdaptError("BASE_BUNDLE_UNREADABLE", f"{bundle_dir}/{file} does not match the manifest's sha256")

    cell_bert = CellBert(read_json("cell_config.json"))
    text_bert = TextBert(read_json("text_config.json"))
    dim = int(manifest["embeddingDim"])
    parts = LangCellParts(cell_bert=cell_bert, cell_proj=linear_head(cell_bert.dims.hidden_size, dim),
                          text_bert=text_bert, text_proj=linear_head(text_bert.dims.hidden_size, dim),
                          ctm_head=linear_head(text_bert.dims.hidden_size, 2))
    params: Dict[str, Dict[str, np.ndarray]] = {}
    for file in GRAPH_MODULES:
        params[file], initializers = _graph_parameters(os.path.join(bundle_dir, file))
        if file == "cell_encoder.onnx":
            row = _token_type_row(initializers, cell_bert.dims.hidden_size)
            # Row 1 is never used by LangCell (no token_type_ids); it is set equal to row 0.
            params[file]["cell_bert.embeddings.token_type_embeddings.weight"] = np.stack(
                [row] * cell_bert.dims.type_vocab_size)
    shared = set(params["text_encoder.onnx"]) & set(params["ctm.onnx"])
    for name in sorted(shared):
        if not np.array_equal(params["text_encoder.onnx"][name], params["ctm.onnx"][name]):
            raise AdaptError("BASE_BUNDLE_UNREADABLE", f"{name} differs between text_encoder.onnx and ctm.onnx")
    _load_state(parts.cell_bert, "cell_bert", params["cell_encoder.onnx"], "cell_encoder.onnx")
    _load_state(parts.cell_proj, "cell_proj", params["cell_encoder.onnx"], "cell_encoder.onnx")
    _load_state(parts.text_proj, "text_proj", params["text_encoder.onnx"], "text_encoder.onnx")
    # The text encoder graph lacks the cross-attention blocks; ctm.onnx holds the whole text_bert.
    _load_state(parts.text_bert, "text_bert", params["ctm.onnx"], "ctm.onnx")
    _load_state(parts.ctm_head, "ctm_head", params["ctm.onnx"], "ctm.onnx")
    parts.check_compatible()
    parts.eval()

    tokenizer = read_json("tokenizer.json")
    vocab_map: Dict[str, int] = tokenizer["model"]["vocab"]
    text_vocab = [t for t, _ in sorted(vocab_map.items(), key=lambda kv: kv[1])]
    if [vocab_map[t] for t in text_vocab] != list(range(len(text_vocab))):
        raise AdaptError("BASE_BUNDLE_UNREADABLE", "tokenizer.json: WordPiece ids are not 0..n-1")
    symbols = read_json("gene_symbols.json") if "gene_symbols.json" in manifest["files"] else None
    base = BaseModel(parts=parts, gene_vocab=read_json("gene_vocab.json"), gene_medians=read_json("gene_medians.json"),
                     gene_symbols=symbols, text_vocab=text_vocab, alpha=float(manifest["scoring"]["alpha"]),
                     provenance={"kind": "bundle", "id": manifest["id"], "dir": os.path.abspath(bundle_dir),
                                 "manifestSha256": sha256_file(manifest_path)},
                     bundle_dir=os.path.abspath(bundle_dir))
    if verify:
        diffs = verify_against_reference(parts, read_json("reference_outputs.json"), base.gene_vocab["<pad>"])
        worst = max(diffs.values())
        if worst > READBACK_TOLERANCE:
            raise AdaptError("BASE_BUNDLE_UNREADABLE", f"modules read back from {bundle_dir} differ from its reference "
                             f"outputs by {worst:.2e} (> {READBACK_TOLERANCE}): {diffs}")
        base.provenance["readBackMaxAbsDiff"] = diffs
    return base


def verify_against_reference(parts: LangCellParts, reference: Mapping[str, Any], cell_pad_id: int) -> Dict[str, float]:
    """Max abs differences between the modules' PyTorch outputs and a bundle's reference_outputs.json."""
    cells = [c["input_ids"] for c in reference["cells"]]
    texts = [t["text"] for t in reference["texts"]]
    text_ids = [t["input_ids"] for t in reference["texts"]]
    with torch.no_grad():
        again = compute_reference(parts, cells, texts, text_ids, cell_pad_id)
    return {key: float(np.max(np.abs(np.asarray(again[key]) - np.asarray(reference[key]))))
            for key in ("cell_embedding", "cell_hidden_cls", "text_embedding", "p_match")}


def read_base(bundle: Optional[str], checkpoint: Optional[str], text_vocab_file: Optional[str],
              gene_dicts: Optional[str]) -> BaseModel:
    """The starting point named on the command line: a bundle, or the published checkpoint layout."""
    if bundle:
        return read_bundle(bundle)
    from .checkpoint import load_checkpoint, read_gene_dicts
    from .wordpiece import read_vocab_file

    if not text_vocab_file or not gene_dicts:
        raise AdaptError("BASE_INCOMPLETE", "--checkpoint needs --text-vocab (PubMedBERT's vocab.txt) and --gene-dicts "
                         "(Geneformer's dictionaries): the checkpoint has no tokenizer")
    parts, _raw_configs, ckpt_hashes = load_checkpoint(checkpoint)
    gene_vocab, medians, symbols, dict_hashes = read_gene_dicts(gene_dicts)
    return BaseModel(parts=parts.eval(), gene_vocab=gene_vocab, gene_medians=medians, gene_symbols=symbols,
                     text_vocab=read_vocab_file(text_vocab_file), alpha=0.1,
                     provenance={"kind": "checkpoint", "dir": os.path.abspath(checkpoint),
                                 "checkpointFiles": ckpt_hashes, "geneDictFiles": dict_hashes,
                                 "textVocab": {os.path.basename(text_vocab_file): sha256_file(text_vocab_file)}},
                     gene_dicts_dir=os.path.abspath(gene_dicts))

