"""Shared fixtures: tiny random LangCell parts and a fake checkpoint laid out like the published one."""

from __future__ import annotations

import json
import os
import pickle
import struct
from typing import Dict

import numpy as np
import torch

from tools.model.modeling import LangCellParts, init_weights
from tools.model.presets import preset_configs, synthetic_gene_dicts, tiny_text_vocab

N_GENES = 40


def tiny_parts(seed: int = 0, n_genes: int = N_GENES) -> LangCellParts:
    torch.manual_seed(seed)
    cell_config, text_config, _ = preset_configs("tiny", n_genes + 3, len(tiny_text_vocab()))
    parts = LangCellParts.from_configs(cell_config, text_config)
    for module in parts.modules().values():
        init_weights(module, 0.2, perturb=True)
    return parts.eval()


_ST_DTYPES = {torch.float32: ("F32", "<f4"), torch.float16: ("F16", "<f2"), torch.int64: ("I64", "<i8")}


def write_safetensors(path: str, tensors: Dict[str, torch.Tensor], bf16: bool = False) -> None:
    """A minimal safetensors writer for the tests (bf16=True stores float32 tensors as BF16)."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        if bf16 and t.dtype == torch.float32:
            raw = (t.numpy().view(np.uint32) >> 16).astype("<u2").tobytes()
            dtype = "BF16"
        else:
            dtype, np_dtype = _ST_DTYPES[t.dtype]
            raw = t.numpy().astype(np_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def write_fake_checkpoint(directory: str, parts: LangCellParts, n_genes: int = N_GENES) -> None:
    """cell_bert/ (config.json + pytorch_model.bin), text_bert/ (config.json + model.safetensors),
    the three head .bin files, Geneformer-style numpy pickles and a vocab.txt."""
    cell_dir, text_dir = os.path.join(directory, "cell_bert"), os.path.join(directory, "text_bert")
    os.makedirs(cell_dir)
    os.makedirs(text_dir)
    with open(os.path.join(cell_dir, "config.json"), "w") as f:
        json.dump(parts.cell_bert.config, f, indent=2)
    with open(os.path.join(text_dir, "config.json"), "w") as f:
        json.dump(parts.text_bert.config, f, indent=2)
    cell_state = dict(parts.cell_bert.state_dict())
    # Older transformers saved this buffer; the loader must tolerate it.
    cell_state["embeddings.position_ids"] = torch.arange(2048).unsqueeze(0)
    torch.save(cell_state, os.path.join(cell_dir, "pytorch_model.bin"))
    text_state = dict(parts.text_bert.state_dict())
    hidden = parts.text_bert.dims.hidden_size
    text_state["pooler.dense.weight"] = torch.randn(hidden, hidden)  # present in LangCell's, unused
    text_state["pooler.dense.bias"] = torch.zeros(hidden)
    write_safetensors(os.path.join(text_dir, "model.safetensors"), text_state)
    torch.save(parts.cell_proj.state_dict(), os.path.join(directory, "cell_proj.bin"))
    torch.save({"proj." + k: v for k, v in parts.text_proj.state_dict().items()}, os.path.join(directory, "text_proj.bin"))
    torch.save(parts.ctm_head.state_dict(), os.path.join(directory, "ctm_head.bin"))
    tokens, medians, symbols = synthetic_gene_dicts(n_genes, seed=1)
    # Geneformer's pickles hold numpy int16 ids for genes (plain ints for the specials) and float64 medians.
    np_tokens = {k: (v if k.startswith("<") else np.int16(v)) for k, v in tokens.items()}
    with open(os.path.join(directory, "token_dictionary.pkl"), "wb") as f:
        pickle.dump(np_tokens, f)
    with open(os.path.join(directory, "gene_median_dictionary.pkl"), "wb") as f:
        pickle.dump({k: np.float64(v) for k, v in medians.items()}, f)
    with open(os.path.join(directory, "gene_name_id_dict.pkl"), "wb") as f:
        pickle.dump(symbols, f)
    with open(os.path.join(directory, "vocab.txt"), "w") as f:
        f.write("\n".join(tiny_text_vocab()) + "\n")
