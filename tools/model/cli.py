"""Command line: ``python3 -m tools.model export|fewshot|finetune ...`` (run from the repository root)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List, Optional

import torch

from .checkpoint import CheckpointError, build_gene_vocab, load_checkpoint, read_gene_dicts, sha256_file
from .export import DEFAULT_ALPHA, ExportError, add_int8_variants, export_bundle
from .modeling import ConfigError, LangCellParts, init_weights
from .presets import PRESETS, preset_configs, preset_vocabularies
from .quantize import DEFAULT_INT8_OP, INT8_OPS, QuantizeError
from .wordpiece import VocabError, read_vocab_file


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m tools.model", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="write a langcell-onnx/1 bundle")
    source = e.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", metavar="DIR",
                        help="LangCell checkpoint: cell_bert/, text_bert/, cell_proj.bin, text_proj.bin, ctm_head.bin")
    source.add_argument("--random-init", metavar="PRESET", choices=PRESETS,
                        help="random weights: tiny (tests) or langcell (real sizes, for benchmarks)")
    e.add_argument("--text-vocab", metavar="VOCAB_TXT",
                   help="WordPiece vocab.txt of the text encoder (PubMedBERT's for the real checkpoint)")
    e.add_argument("--gene-dicts", metavar="DIR",
                   help="directory with token_dictionary / gene_median_dictionary [/ gene_name_id_dict] as .json or .pkl")
    e.add_argument("--out", required=True, metavar="BUNDLE_DIR", help="new (or empty) output directory")
    e.add_argument("--name", help="bundle name (default: langcell, or langcell-random-PRESET)")
    e.add_argument("--alpha", type=float, default=DEFAULT_ALPHA, help="default zero-shot weight in the fused score")
    e.add_argument("--seed", type=int, default=0, help="seed for random weights and reference inputs")
    e.add_argument("--no-verify", action="store_true", help="skip running the ONNX graphs against PyTorch")
    e.add_argument("--precision", choices=("fp32", "int8"), default="fp32",
                   help="int8: also write int8 twins of the three graphs into the bundle (manifest section int8)")
    e.add_argument("--int8-op", choices=INT8_OPS, default=DEFAULT_INT8_OP,
                   help="operator form of the int8 products (see tools/model/quantize.py)")
    e.add_argument("--keep-fp32", metavar="REGEX", help="MatMul node names also kept fp32 (besides the final projections)")
    e.add_argument("--keep-first-layer", action="store_true", help="keep the first encoder layer fp32 too")
    q = sub.add_parser("quantize", help="add int8 twins of the graphs to an existing bundle")
    q.add_argument("bundle", metavar="BUNDLE_DIR")
    q.add_argument("--int8-op", choices=INT8_OPS, default=DEFAULT_INT8_OP,
                   help="operator form of the int8 products (see tools/model/quantize.py)")
    q.add_argument("--keep-fp32", metavar="REGEX", help="MatMul node names also kept fp32 (besides the final projections)")
    q.add_argument("--keep-first-layer", action="store_true", help="keep the first encoder layer fp32 too")
    from .adapt_cli import add_adapt_commands
    add_adapt_commands(sub)
    return p


def _export_from_checkpoint(args) -> dict:
    if not args.text_vocab:
        raise CheckpointError("--text-vocab is required with --checkpoint (the checkpoint has no tokenizer; "
                              "use PubMedBERT's vocab.txt)")
    if not args.gene_dicts:
        raise CheckpointError("--gene-dicts is required with --checkpoint (Geneformer's token_dictionary.pkl and "
                              "gene_median_dictionary.pkl, or their JSON conversions)")
    print(f"loading checkpoint {args.checkpoint} ...")
    parts, raw_configs, ckpt_hashes = load_checkpoint(args.checkpoint)
    gene_vocab, medians, symbols, dict_hashes = read_gene_dicts(args.gene_dicts)
    text_vocab = read_vocab_file(args.text_vocab)
    provenance = {"kind": "checkpoint", "source": os.path.abspath(args.checkpoint),
                  "checkpointFiles": ckpt_hashes, "geneDictFiles": dict_hashes,
                  "textVocab": {os.path.basename(args.text_vocab): sha256_file(args.text_vocab)}}
    return export_bundle(parts, gene_vocab, medians, symbols, text_vocab, args.out, args.name or "langcell",
                         provenance, alpha=args.alpha, raw_configs=raw_configs, seed=args.seed,
                         verify=not args.no_verify)


def _export_random(args) -> dict:
    torch.manual_seed(args.seed)
    text_vocab = read_vocab_file(args.text_vocab) if args.text_vocab else None
    tokens, medians, symbols, text_vocab = preset_vocabularies(args.random_init, args.seed, text_vocab)
    provenance = {"kind": "random-init", "preset": args.random_init, "seed": args.seed,
                  "source": f"random weights, preset {args.random_init}"}
    if args.gene_dicts:
        gene_vocab, medians, symbols, dict_hashes = read_gene_dicts(args.gene_dicts)
        provenance["geneDictFiles"] = dict_hashes
    else:
        gene_vocab = build_gene_vocab(tokens, "synthetic gene vocabulary")
    if args.text_vocab:
        provenance["textVocab"] = {os.path.basename(args.text_vocab): sha256_file(args.text_vocab)}
    cell_config, text_config, perturb = preset_configs(args.random_init, len(gene_vocab), len(text_vocab))
    parts = LangCellParts.from_configs(cell_config, text_config)
    if perturb:
        for module in parts.modules().values():
            init_weights(module, cell_config["initializer_range"], perturb=True)
    return export_bundle(parts, gene_vocab, medians, symbols, text_vocab, args.out,
                         args.name or f"langcell-random-{args.random_init}", provenance, alpha=args.alpha,
                         seed=args.seed, verify=not args.no_verify)


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("fewshot", "finetune"):
        from .adapt_cli import run_adapt_command
        return run_adapt_command(args, sys.argv[1:] if argv is None else argv)
    started = time.time()
    try:
        torch.set_grad_enabled(False)
        if args.command == "quantize":
            manifest = add_int8_variants(args.bundle, args.int8_op, args.keep_fp32, args.keep_first_layer)
            print(f"done in {time.time() - started:.1f} s: {manifest['int8']['id']}")
            return 0
        manifest = _export_from_checkpoint(args) if args.checkpoint else _export_random(args)
        if args.precision == "int8":
            manifest = add_int8_variants(args.out, args.int8_op, args.keep_fp32, args.keep_first_layer)
    except (CheckpointError, ConfigError, ExportError, QuantizeError, VocabError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    total = sum(f["bytes"] for f in manifest["files"].values())
    print(f"done in {time.time() - started:.1f} s: {manifest['id']}, {len(manifest['files'])} files, "
          f"{total / 1e6:.1f} MB")
    return 0
