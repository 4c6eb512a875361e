"""PyTorch side of the encoder benchmark (run by bench/encoder.ts; needs torch, see tools/model/README.md).

encoder       rebuilds the bench bundle's weights (random-init preset + seed, exactly as
              ``python3 -m tools.model export --random-init`` made them), checks them against the
              bundle's ``reference_outputs.json``, then times LangCell's batching (dataset order,
              batches of 32 padded to the longest) over the cells given as JSON token-id lists.
matmul-model  writes a one-MatMul ONNX graph ([M, K] x [K, N] constant, M dynamic) used to measure
              the machine's practical fp32 peak through onnxruntime-node.

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tools.model.modeling import LangCellParts  # noqa: E402



def loaded_blas() -> str:
    """The BLAS library this process really runs on: Debian's torch is built against the generic
    interface (torch.__config__ says "generic"), and the libblas.so.3 alternative picks the library
    at run time (reference BLAS, or OpenBLAS when libopenblas0 is installed)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    names = sorted({os.path.realpath(p) for p in paths})
    if any("openblas" in n for n in names):
        return "OpenBLAS"
    if any("mkl" in n for n in names):
        return "MKL"
    return "reference BLAS" if names else "unknown"

def _read_json(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def rebuild_parts(bundle_dir: str) -> LangCellParts:
    """The random-init export seeds torch once and builds the five modules from the two configs;
    nothing else draws from torch's generator before that, so the same seed gives the same weights."""
    manifest = _read_json(os.path.join(bundle_dir, "manifest.json"))
    provenance = manifest.get("provenance", {})
    if provenance.get("kind") != "random-init":
        raise SystemExit(f"error: {bundle_dir} is not a random-init bundle (provenance.kind = {provenance.get('kind')!r}); "
                         "the PyTorch reference can only rebuild random-init weights")
    torch.manual_seed(int(provenance.get("seed", 0)))
    parts = LangCellParts.from_configs(_read_json(os.path.join(bundle_dir, "cell_config.json")),
                                       _read_json(os.path.join(bundle_dir, "text_config.json")))
    return parts.eval()


def pad(rows, pad_id: int = 0):
    length = max(len(r) for r in rows)
    ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


@torch.no_grad()
def verify(parts: LangCellParts, bundle_dir: str, max_length: int) -> dict:
    """Max |PyTorch − recorded| over the bundle's reference cells no longer than max_length, each run alone."""
    reference = _read_json(os.path.join(bundle_dir, "reference_outputs.json"))
    worst, checked = 0.0, 0
    for cell, expected in zip(reference["cells"], reference["cell_embedding"]):
        ids = cell["input_ids"]
        if len(ids) > max_length:
            continue
        emb, _ = parts.cell_forward(*pad([ids]))
        worst = max(worst, float((emb[0] - torch.tensor(expected)).abs().max()))
        checked += 1
    return {"referenceCells": checked, "maxAbsDiff": worst}


@torch.no_grad()
def run_encoder(args) -> dict:
    torch.set_num_threads(args.threads)
    parts = rebuild_parts(args.bundle)
    parts.text_bert = None  # the text side is not needed here; free ~0.5 GB
    check = verify(parts, args.bundle, args.verify_max_length)
    if check["referenceCells"] == 0 or check["maxAbsDiff"] > 1e-4:
        raise SystemExit(f"error: rebuilt weights do not reproduce {args.bundle}/reference_outputs.json: {check}")
    cells = _read_json(args.cells)
    batches = [cells[i : i + args.batch_size] for i in range(0, len(cells), args.batch_size)]
    done = tokens = padded = 0
    batch_seconds = []
    started = time.perf_counter()
    for batch in batches:
        ids, mask = pad(batch)
        t0 = time.perf_counter()
        h = parts.cell_bert(ids, mask)
        F.normalize(parts.cell_proj(h[:, 0]), dim=-1)
        batch_seconds.append(time.perf_counter() - t0)
        done += len(batch)
        tokens += sum(len(r) for r in batch)
        padded += ids.numel()
        print(f"pytorch: {done}/{len(cells)} cells, last batch {batch_seconds[-1]:.1f} s", file=sys.stderr, flush=True)
        if args.max_seconds and time.perf_counter() - started > args.max_seconds:
            break
    return {
        "cells": done, "batches": len(batch_seconds), "seconds": sum(batch_seconds), "batchSeconds": batch_seconds,
        "tokens": tokens, "paddedTokens": padded, "threads": torch.get_num_threads(),
        "torch": torch.__version__, "blas": loaded_blas(),
        "weights": check,
    }


def matmul_model(args) -> dict:
    class MatMul(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.randn(args.k, args.n) * 0.02)

        def forward(self, x):
            return torch.matmul(x, self.weight)

    torch.onnx.export(MatMul().eval(), (torch.zeros(8, args.k),), args.out, opset_version=17,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "M"}, "y": {0: "M"}})
    return {"path": args.out, "k": args.k, "n": args.n}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("encoder")
    e.add_argument("--bundle", required=True)
    e.add_argument("--cells", required=True, help="JSON file: list of token-id lists (<cls> first, unpadded)")
    e.add_argument("--batch-size", type=int, default=32)
    e.add_argument("--threads", type=int, default=2)
    e.add_argument("--max-seconds", type=float, default=0, help="stop after the batch that passes this time")
    e.add_argument("--verify-max-length", type=int, default=300)
    m = sub.add_parser("matmul-model")
    m.add_argument("--out", required=True)
    m.add_argument("--k", type=int, default=1024)
    m.add_argument("--n", type=int, default=1024)
    args = p.parse_args()
    torch.set_grad_enabled(False)
    result = run_encoder(args) if args.command == "encoder" else matmul_model(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
