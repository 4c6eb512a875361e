"""Reading a LangCell checkpoint and Geneformer's gene dictionaries without trusting the files.

- ``.bin`` state dicts: ``torch.load(weights_only=True)`` (tensors and containers only).
- ``.safetensors``: parsed here (8-byte little-endian header length, JSON header, raw tensors).
- Gene dictionary pickles: a restricted unpickler that can only rebuild the numpy scalars these
  files contain; anything else (``os.system``, arbitrary classes, arrays) is refused.

Every mismatch between a checkpoint and the modules stops the export with the key and both shapes.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import pickle
import struct
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np
import torch
from torch import nn

from .modeling import CellBert, ConfigError, EMBEDDING_DIM, LangCellParts, TextBert


class CheckpointError(ValueError):
    """The checkpoint on disk does not match what the modules expect."""


# ---------------------------------------------------------------------------------------------
# Tensor files

_SAFETENSORS_DTYPES = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # widened to float32 below
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
}


def read_safetensors(path: str) -> Dict[str, torch.Tensor]:
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise CheckpointError(f"{path}: too short to be a safetensors file")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        raise CheckpointError(f"{path}: header length {header_len} runs past the end of the file")
    try:
        header = json.loads(data[8: 8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: header is not JSON ({e})") from None
    body = memoryview(data)[8 + header_len:]
    tensors: Dict[str, torch.Tensor] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype_name = entry.get("dtype")
        if dtype_name not in _SAFETENSORS_DTYPES:
            raise CheckpointError(f"{path}: tensor {name!r} has dtype {dtype_name!r}; supported: "
                                  f"{', '.join(_SAFETENSORS_DTYPES)}")
        dtype = _SAFETENSORS_DTYPES[dtype_name]
        shape = [int(s) for s in entry["shape"]]
        begin, end = (int(x) for x in entry["data_offsets"])
        expected = math.prod(shape) * dtype.itemsize
        if not (0 <= begin <= end <= len(body)) or end - begin != expected:
            raise CheckpointError(f"{path}: tensor {name!r} offsets [{begin}, {end}) do not hold "
                                  f"{shape} x {dtype_name} inside a {len(body)}-byte body")
        array = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape)
        if dtype_name == "BF16":
            # bfloat16 is the upper half of a float32.
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = torch.from_numpy(array.astype(array.dtype.newbyteorder("="), copy=True))
    return tensors


def read_state_dict(path: str) -> Dict[str, torch.Tensor]:
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"{path}: refused to load (only tensors are allowed): {e}") from None
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{path}: expected a state dict (name -> tensor)")
    return dict(obj)


def find_weights_file(module_dir: str) -> str:
    for name in ("model.safetensors", "pytorch_model.bin"):
        path = os.path.join(module_dir, name)
        if os.path.isfile(path):
            return path
    raise CheckpointError(f"{module_dir}: neither model.safetensors nor pytorch_model.bin found")


# ---------------------------------------------------------------------------------------------
# Matching state dicts to modules

# Keys a checkpoint may carry that the modules do not need: the position_ids buffer older
# transformers saved, and the HF pooler LangCell replaces with cell_proj / text_proj.
TOLERATED_KEYS = ("embeddings.position_ids",)
TOLERATED_PREFIXES = ("pooler.",)


def _shape(t: torch.Tensor) -> List[int]:
    return list(t.shape)


def load_into(module: nn.Module, state: Mapping[str, torch.Tensor], where: str) -> None:
    """Copy ``state`` into ``module`` after checking names and shapes; all problems are reported together."""
    if any(k.startswith("bert.") for k in state):
        state = {k[len("bert."):] if k.startswith("bert.") else k: v for k, v in state.items()}
    state = {k: v for k, v in state.items()
             if k not in TOLERATED_KEYS and not k.startswith(TOLERATED_PREFIXES)}
    expected = module.state_dict()
    problems = []
    for key, target in expected.items():
        if key not in state:
            problems.append(f"missing key {key!r} (expected shape {_shape(target)})")
        elif _shape(state[key]) != _shape(target):
            problems.append(f"key {key!r}: expected shape {_shape(target)}, found {_shape(state[key])}")
    for key in state:
        if key not in expected:
            problems.append(f"unexpected key {key!r} (shape {_shape(state[key])})")
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise CheckpointError(f"{where} does not match the module built from the config:\n  " + "\n  ".join(shown))
    for key, value in state.items():
        if not value.is_floating_point():
            raise CheckpointError(f"{where}: key {key!r} has dtype {value.dtype}, expected a float tensor")
    module.load_state_dict({k: v.to(torch.float32) for k, v in state.items()}, strict=True)


def _strip_linear_prefix(state: Mapping[str, torch.Tensor], where: str) -> Dict[str, torch.Tensor]:
    """Accept ``weight``/``bias`` bare or under one ``proj.`` / ``dense.`` prefix."""
    for prefix in ("", "proj.", "dense."):
        if set(state) == {prefix + "weight", prefix + "bias"}:
            return {k[len(prefix):]: v for k, v in state.items()}
    raise CheckpointError(f"{where}: expected keys weight/bias (optionally prefixed proj. or dense.), "
                          f"found {sorted(state)}")


def load_linear(path: str, linear: nn.Linear, where: str) -> None:
    load_into(linear, _strip_linear_prefix(read_state_dict(path), where), where)


def read_config(module_dir: str) -> Tuple[Dict[str, Any], bytes]:
    path = os.path.join(module_dir, "config.json")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return json.loads(raw), raw
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: not JSON ({e})") from None


CHECKPOINT_LINEARS = ("cell_proj.bin", "text_proj.bin", "ctm_head.bin")


def load_checkpoint(directory: str) -> Tuple[LangCellParts, Dict[str, bytes], Dict[str, str]]:
    """Load the published checkpoint layout.

    Returns (parts, raw config.json bytes per module, sha256 of every checkpoint file used)."""
    cell_dir, text_dir = os.path.join(directory, "cell_bert"), os.path.join(directory, "text_bert")
    cell_config, cell_raw = read_config(cell_dir)
    text_config, text_raw = read_config(text_dir)
    try:
        cell_bert, text_bert = CellBert(cell_config), TextBert(text_config)
    except ConfigError as e:
        raise CheckpointError(str(e)) from None
    parts = LangCellParts(
        cell_bert=cell_bert,
        cell_proj=nn.Linear(cell_bert.dims.hidden_size, EMBEDDING_DIM),
        text_bert=text_bert,
        text_proj=nn.Linear(text_bert.dims.hidden_size, EMBEDDING_DIM),
        ctm_head=nn.Linear(text_bert.dims.hidden_size, 2),
    )
    try:
        parts.check_compatible()
    except ConfigError as e:
        raise CheckpointError(str(e)) from None

    used = [os.path.join(cell_dir, "config.json"), os.path.join(text_dir, "config.json")]
    for module_dir, module, where in ((cell_dir, cell_bert, "cell_bert"), (text_dir, text_bert, "text_bert")):
        weights = find_weights_file(module_dir)
        load_into(module, read_state_dict(weights), f"{where} ({os.path.basename(weights)})")
        used.append(weights)
    for file_name, linear in zip(CHECKPOINT_LINEARS, (parts.cell_proj, parts.text_proj, parts.ctm_head)):
        path = os.path.join(directory, file_name)
        if not os.path.isfile(path):
            raise CheckpointError(f"{directory}: {file_name} not found")
        load_linear(path, linear, file_name)
        used.append(path)
    hashes = {os.path.relpath(p, directory).replace(os.sep, "/"): sha256_file(p) for p in used}
    return parts.eval(), {"cell": cell_raw, "text": text_raw}, hashes


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Gene dictionaries

class UnsafePickleError(CheckpointError):
    """A pickle asked for something a dictionary of numbers and strings never needs."""


_ALLOWED_DTYPES = {"i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8", "b1"}


def _restricted_dtype(spec: Any, align: Any = False, copy: Any = False) -> np.dtype:
    if not isinstance(spec, str) or spec not in _ALLOWED_DTYPES:
        raise UnsafePickleError(f"pickle asked for numpy dtype {spec!r}; only plain numeric dtypes are allowed")
    return np.dtype(spec)


def _restricted_scalar(dtype: Any, data: Any = None) -> Any:
    """numpy.core.multiarray.scalar for numeric dtypes only, returned as a Python int/float/bool."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iufb":
        raise UnsafePickleError(f"pickle asked for a numpy scalar of dtype {dtype!r}; only numeric ones are allowed")
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise UnsafePickleError("pickle holds a numpy scalar whose payload is not raw bytes of the right size")
    return np.frombuffer(data, dtype=dtype)[0].item()


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only what Geneformer's dictionaries need: numpy scalars (int16 ids, float64 medians)."""

    _GLOBALS = {
        ("numpy.core.multiarray", "scalar"): _restricted_scalar,
        ("numpy._core.multiarray", "scalar"): _restricted_scalar,  # pickles written by numpy >= 2
        ("numpy", "dtype"): _restricted_dtype,
        ("builtins", "dict"): dict,
        ("builtins", "str"): str,
        ("builtins", "int"): int,
        ("builtins", "float"): float,
    }

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(f"refusing to load {module}.{name} from a gene dictionary pickle "
                                    f"(only dicts of strings and numbers are accepted)") from None


def restricted_pickle_load(path: str) -> Any:
    with open(path, "rb") as f:
        data = f.read()
    try:
        return RestrictedUnpickler(io.BytesIO(data)).load()
    except UnsafePickleError as e:
        raise UnsafePickleError(f"{path}: {e}") from None
    except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: not a readable dictionary pickle ({e})") from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _read_dict_file(directory: str, stem: str, required: bool) -> Tuple[Optional[dict], Optional[str]]:
    """Read ``stem.json`` (preferred) or ``stem.pkl`` from ``directory``."""
    json_path, pkl_path = os.path.join(directory, stem + ".json"), os.path.join(directory, stem + ".pkl")
    if os.path.isfile(json_path):
        with open(json_path, "r", encoding="utf-8") as f:
            try:
                value, path = json.load(f, parse_constant=_reject_constant), json_path
            except ValueError as e:
                raise CheckpointError(f"{json_path}: {e}") from None
    elif os.path.isfile(pkl_path):
        value, path = restricted_pickle_load(pkl_path), pkl_path
    elif required:
        raise CheckpointError(f"{directory}: neither {stem}.json nor {stem}.pkl found")
    else:
        return None, None
    if not isinstance(value, dict):
        raise CheckpointError(f"{path}: expected a dictionary, found {type(value).__name__}")
    return value, path


def _check_types(d: dict, path: str, key_type: type, value_types: Tuple[type, ...], what: str) -> None:
    for k, v in d.items():
        if not isinstance(k, key_type) or isinstance(v, bool) or not isinstance(v, value_types):
            raise CheckpointError(f"{path}: entry {k!r}: {v!r} is not {what}")


CLS_TOKEN, PAD_TOKEN, MASK_TOKEN = "<cls>", "<pad>", "<mask>"


def build_gene_vocab(token_dictionary: Mapping[str, int], where: str = "token_dictionary") -> Dict[str, int]:
    """Geneformer's token dictionary plus ``<cls>`` = len(dictionary), as LangCell's utils.py adds it."""
    vocab = dict(token_dictionary)
    if vocab.get(PAD_TOKEN) != 0 or vocab.get(MASK_TOKEN) != 1:
        raise CheckpointError(f"{where}: expected <pad> = 0 and <mask> = 1, found "
                              f"{vocab.get(PAD_TOKEN)!r} and {vocab.get(MASK_TOKEN)!r}")
    if CLS_TOKEN in vocab:
        raise CheckpointError(f"{where}: already contains <cls>; LangCell appends it itself")
    vocab[CLS_TOKEN] = len(vocab)
    if sorted(vocab.values()) != list(range(len(vocab))):
        raise CheckpointError(f"{where}: token ids are not exactly 0..{len(vocab) - 1} without gaps or repeats")
    return vocab


def read_gene_dicts(directory: str) -> Tuple[Dict[str, int], Dict[str, float], Optional[Dict[str, str]], Dict[str, str]]:
    """-> (gene vocab with <cls>, medians, symbols or None, sha256 of each file read)."""
    tokens, tokens_path = _read_dict_file(directory, "token_dictionary", True)
    medians, medians_path = _read_dict_file(directory, "gene_median_dictionary", True)
    symbols, symbols_path = _read_dict_file(directory, "gene_name_id_dict", False)
    _check_types(tokens, tokens_path, str, (int,), "a string -> integer id")
    _check_types(medians, medians_path, str, (int, float), "a string -> number")
    medians = {k: float(v) for k, v in medians.items()}
    bad = [k for k, v in medians.items() if not (math.isfinite(v) and v > 0)]
    if bad:
        raise CheckpointError(f"{medians_path}: medians must be finite and > 0; {bad[0]!r} is {medians[bad[0]]!r}")
    unknown = [k for k in medians if k not in tokens]
    if unknown:
        # Geneformer keeps genes by the median dictionary and then looks their token up.
        raise CheckpointError(f"{medians_path}: {len(unknown)} genes have no token, e.g. {unknown[0]!r}")
    if symbols is not None:
        _check_types(symbols, symbols_path, str, (str,), "a symbol -> Ensembl id string")
    vocab = build_gene_vocab(tokens, tokens_path)
    hashes = {os.path.basename(p): sha256_file(p) for p in (tokens_path, medians_path, symbols_path) if p}
    return vocab, medians, symbols, hashes
