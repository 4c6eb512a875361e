"""``python3 -m tools.model fewshot|finetune``: a base model + labelled cells -> a new bundle.

    python3 -m tools.model fewshot --base-bundle seed/bundle --cells pbmc.h5ad --label-column bulk_labels \\
        --labels labels.tsv [--label-map dataset_label_to_cl.tsv] --n-shot 5 --out /tmp/fewshot5
    python3 -m tools.model finetune --base-bundle seed/bundle --cells pbmc.h5ad ... --out /tmp/ce [--head-only --n-shot 5]

Refusals print ``error: [CODE] message`` and exit 2 (codes in adapt_errors.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, Dict, List

import torch

from .adapt_errors import AdaptError
from .bundle_weights import read_base
from .checkpoint import CheckpointError
from .export import ExportError, export_bundle
from .modeling import ConfigError
from .training_common import command_line, peak_rss_mib, pick_device
from .training_data import (ce_split, load_labelled_cells, nshot_split, split_validation, validation_cells_per_class)

REFUSAL_EXIT = 2


def _common(p: argparse.ArgumentParser) -> None:
    base = p.add_mutually_exclusive_group(required=True)
    base.add_argument("--base-bundle", metavar="DIR", help="a langcell-onnx/1 bundle (its graphs are read back into PyTorch)")
    base.add_argument("--checkpoint", metavar="DIR", help="the published checkpoint layout (five modules)")
    p.add_argument("--text-vocab", metavar="VOCAB_TXT", help="with --checkpoint: PubMedBERT's vocab.txt")
    p.add_argument("--gene-dicts", metavar="DIR", help="with --checkpoint: Geneformer's dictionaries")
    data = p.add_mutually_exclusive_group(required=True)
    data.add_argument("--cells", metavar="FILE", help="h5ad / 10x / CSV, tokenized by the service's tokenizer")
    data.add_argument("--tokens", metavar="JSONL", help="output of `langcell-atlas tokenize … --obs COLUMN` with the base's vocabulary")
    p.add_argument("--layer", default="auto", choices=["auto", "counts", "raw", "X"], help="matrix to read (as the CLI's --layer)")
    p.add_argument("--label-column", required=True, help="obs column with each cell's label")
    p.add_argument("--labels", required=True, metavar="TSV", help="labels: name, ontology id, description (LangCell's prompt text)")
    p.add_argument("--label-map", metavar="TSV", help="dataset_label -> cl_id (or label name) for label values that are not label names")
    p.add_argument("--drop-label", action="append", metavar="VALUE",
                   help="label value whose cells are left out of training and test (repeatable; default: Other, as the authors)")
    p.add_argument("--out", required=True, metavar="BUNDLE_DIR", help="new (or empty) output directory")
    p.add_argument("--name", help="bundle name (default: the base's name + the method)")
    p.add_argument("--split-out", metavar="TSV", help="write each cell's role (train, validation, test, dropped) here")
    p.add_argument("--epochs", type=int, help="override the authors' epochs")
    p.add_argument("--batch-size", type=int, help="override the authors' batch size")
    p.add_argument("--lr", type=float, help="override the authors' learning rate")
    p.add_argument("--seed", type=int, help="split seed (authors: 2024 for fewshot, 1 for finetune)")
    p.add_argument("--token-budget", type=int, default=4096, help="padded cell tokens per forward pass; larger batches "
                   "are split and their gradients accumulated (bounds memory, same update; one cell per piece at least)")
    p.add_argument("--device", default="auto", help="auto (CUDA when torch sees a GPU), cpu, cuda")
    p.add_argument("--no-verify", action="store_true", help="skip the ONNX-vs-PyTorch parity check of the export")
    p.add_argument("--evaluate-test", action="store_true", help="also score the test cells in PyTorch (recorded in the "
                   "manifest; the service's `annotate --only-cells` gives the same figures from the exported graphs)")


def add_adapt_commands(sub) -> None:
    f = sub.add_parser("fewshot", help="LangCell few-shot: adapt both encoders on n cells per class -> a new bundle")
    _common(f)
    f.add_argument("--n-shot", type=int, required=True, help="cells per class used for training")
    f.add_argument("--no-refit", action="store_true", help="keep the model trained without the validation cells "
                   "(default: train again on all n cells after choosing α)")
    t = sub.add_parser("finetune", help="LangCell-CE: cell encoder + classification head -> a bundle with cell_classifier.onnx")
    _common(t)
    t.add_argument("--head-only", action="store_true", help="the authors' CE few-shot: train only the linear head")
    t.add_argument("--n-shot", type=int, help="with --head-only: cells per class used for training")
    t.add_argument("--test-fraction", type=float, default=0.33, help="held-out share of the 2:1 split (authors: 0.33)")
    t.add_argument("--warmup-steps", type=int, help="override the authors' 500 (full fine-tune) / 0 (head only)")


def _write_split(path: str, cell_ids: List[str], roles: Dict[int, str], raw_labels: List[str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("cell\trole\tlabel\n")
        for i, cell in enumerate(cell_ids):
            f.write(f"{cell}\t{roles.get(i, 'dropped')}\t{raw_labels[i]}\n")


def _fewshot(args, base, data, device) -> Dict[str, Any]:
    from .fewshot import FewshotSettings, LabelTexts, run_fewshot, alpha_sweep, score_cells

    seed = 2024 if args.seed is None else args.seed
    settings = FewshotSettings(seed=seed, token_budget=args.token_budget, device=device)
    for key in ("epochs", "batch_size", "lr"):
        if getattr(args, key) is not None:
            setattr(settings, key, getattr(args, key))
    names = [c.name for c in data.classes]
    train, test = nshot_split(data.targets, args.n_shot, seed, len(data.classes), names)
    fit, validation = split_validation(train, data.targets, validation_cells_per_class(args.n_shot))
    roles = {**{i: "test" for i in test}, **{i: "train" for i in fit}, **{i: "validation" for i in validation}}
    if args.split_out:
        _write_split(args.split_out, data.cell_ids, roles, data.raw_labels)
    print(f"{len(data.classes)} classes, {args.n_shot} cells each: {len(fit)} train + {len(validation)} validation; "
          f"{len(test)} test cells; seed {seed}")
    max_text = min(512, base.parts.text_bert.dims.max_position_embeddings)
    texts = LabelTexts([c.prompt for c in data.classes], base.text_vocab, max_text)
    pad_id = base.gene_vocab["<pad>"]
    result = run_fewshot(base.parts, data.tokens, data.targets, train, validation, texts, pad_id, settings, base.alpha,
                         refit=not args.no_refit)
    training = {"method": "langcell-fewshot", "nShot": args.n_shot, "seed": seed, "epochs": settings.epochs,
                "tokenBudget": settings.token_budget,
                "batchSize": settings.batch_size, "learningRate": settings.lr,
                "loss": "CE(cell·text/0.05) + CE(p_match) with probabilities fed to cross-entropy, as the authors wrote",
                "trained": ["cell_bert", "cell_proj", "text_bert", "text_proj"], "frozen": ["ctm_head"],
                "classes": [{"name": c.name, "ontologyId": c.ontology_id} for c in data.classes],
                "nShotCells": len(train), "testCells": len(test), "alpha": result["alpha"], **result["training"]}
    # The cells the exported model was trained on: all n per class after a refit, else n minus the validation cells.
    training["trainCells"] = len(train) if result["training"]["refit"] else len(fit)
    if test and args.evaluate_test:
        zs, cm = score_cells(result["parts"], data.tokens, test, texts, pad_id, device)
        sweep = alpha_sweep(zs, cm, [data.targets[i] for i in test], len(data.classes))
        chosen = next(r for r in sweep if r["alpha"] == result["alpha"])
        training["testInPyTorch"] = {"atChosenAlpha": chosen, "note": "all labels scored by CTM; α was not chosen on these"}
        print(f"test cells (PyTorch, all-label CTM, α {result['alpha']}): accuracy {chosen['accuracy']:.4f} "
              f"macro-F1 {chosen['macroF1']:.4f}")
    return {"parts": result["parts"], "alpha": result["alpha"], "training": training,
            "provenance": {"kind": "fewshot", "nShot": args.n_shot, "seed": seed, "droppedLabels": args.drop_label or ["Other"]}, "suffix": f"fewshot{args.n_shot}"}


def _finetune(args, base, data, device) -> Dict[str, Any]:
    from .finetune import FinetuneSettings, predict, run_finetune
    from .training_common import accuracy_and_macro_f1

    seed = 1 if args.seed is None else args.seed
    settings = FinetuneSettings.for_mode(args.head_only, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                                         warmup_steps=args.warmup_steps, seed=seed)
    settings.token_budget, settings.device = args.token_budget, device
    names = [c.name for c in data.classes]
    if args.head_only:
        if args.n_shot is None:
            raise AdaptError("INVALID_ARGUMENT", "--head-only needs --n-shot (cells per class)")
        train, test = nshot_split(data.targets, args.n_shot, seed, len(data.classes), names)
    else:
        if args.n_shot is not None:
            raise AdaptError("INVALID_ARGUMENT", "--n-shot applies to --head-only; full fine-tuning uses the 2:1 split")
        if not 0.0 < args.test_fraction < 1.0:
            raise AdaptError("INVALID_ARGUMENT", f"--test-fraction must be within (0, 1), got {args.test_fraction}")
        # Cells with a dropped label (--drop-label, "Other" by default) take no part; the rest is split 2:1.
        kept = [i for i, t in enumerate(data.targets) if t is not None]
        train, test = ce_split([data.targets[i] for i in kept], seed, args.test_fraction)
        train, test = [kept[i] for i in train], [kept[i] for i in test]
    # Classes = the labels seen in training (the authors evaluate only on those).
    seen = sorted({data.targets[i] for i in train})
    remap = {old: new for new, old in enumerate(seen)}
    targets = [remap.get(t) if t is not None else None for t in data.targets]
    classes = [data.classes[i] for i in seen]
    roles = {**{i: "test" for i in test}, **{i: "train" for i in train}}
    if args.split_out:
        _write_split(args.split_out, data.cell_ids, roles, data.raw_labels)
    print(f"{len(classes)} classes; {len(train)} train, {len(test)} held-out cells; seed {seed}"
          f"{'; head only' if args.head_only else ''}")
    result = run_finetune(base.parts.cell_bert, data.tokens, targets, len(classes), train, test,
                          base.gene_vocab["<pad>"], settings)
    training = {"method": "langcell-ce-head-only" if args.head_only else "langcell-ce", "seed": seed,
                "epochs": settings.epochs, "batchSize": settings.batch_size, "learningRate": settings.lr,
                "warmupSteps": settings.warmup_steps, "weightDecay": settings.weight_decay,
                "tokenBudget": settings.token_budget,
                "classes": [{"name": c.name, "ontologyId": c.ontology_id} for c in classes],
                "trainCells": len(train), "heldOutCells": len(test), **result["training"]}
    if args.head_only:
        training["nShot"] = args.n_shot
    else:
        training["testFraction"] = args.test_fraction
    if test and args.evaluate_test:
        probs = predict(result["model"], data.tokens, test, base.gene_vocab["<pad>"], device)
        training["heldOutInPyTorch"] = accuracy_and_macro_f1([targets[i] for i in test], list(probs.argmax(1)), len(classes))
    return {"parts": base.parts, "alpha": base.alpha, "training": training, "classifier": result["model"].cpu(),
            "classes": [{"name": c.name, "ontologyId": c.ontology_id} for c in classes],
            "provenance": {"kind": "finetune", "headOnly": bool(args.head_only), "seed": seed,
                           **({"nShot": args.n_shot} if args.head_only else {})},
            "suffix": (f"ce-head{args.n_shot}" if args.head_only else "ce")}


def run_adapt_command(args, argv: List[str]) -> int:
    started = time.time()
    try:
        if args.n_shot is not None and args.n_shot < 1:
            raise AdaptError("INVALID_ARGUMENT", f"--n-shot must be at least 1, got {args.n_shot}")
        if os.path.exists(args.out) and os.listdir(args.out):
            raise AdaptError("INVALID_ARGUMENT", f"{args.out} exists and is not empty; choose a new directory")
        device = pick_device(args.device)
        base = read_base(args.base_bundle, args.checkpoint, args.text_vocab, args.gene_dicts)
        print(f"base: {base.provenance.get('id') or base.provenance.get('dir')} ({base.provenance['kind']}); device {device}")
        cell_dims = base.parts.cell_bert.dims
        data = load_labelled_cells(args.cells, args.tokens, args.label_column, args.labels, args.label_map,
                                   base.bundle_dir, base.gene_dicts_dir, base.gene_vocab["<cls>"], cell_dims.vocab_size,
                                   args.layer, drop_labels=args.drop_label or ["Other"])
        print(f"{len(data.cell_ids)} cells, labels {', '.join(c.name for c in data.classes)}")
        torch.set_grad_enabled(True)
        outcome = (_fewshot if args.command == "fewshot" else _finetune)(args, base, data, device)
        for m in outcome["parts"].modules().values():
            m.cpu()
        base_name = base.provenance.get("id", "langcell").rsplit("-", 1)[0] if base.provenance["kind"] == "bundle" else "langcell"
        provenance = {**outcome["provenance"], "source": f"tools/model {args.command} from {base.provenance['kind']}",
                      "base": base.provenance, "data": data.source, "labelColumn": args.label_column,
                      "commandLine": command_line(argv), "device": str(device)}
        training = {**outcome["training"], "seconds": round(time.time() - started, 1), "peakRssMiB": round(peak_rss_mib())}
        manifest = export_bundle(outcome["parts"], base.gene_vocab, base.gene_medians, base.gene_symbols, base.text_vocab,
                                 args.out, args.name or f"{base_name}-{outcome['suffix']}", provenance, training=training,
                                 alpha=outcome["alpha"], verify=not args.no_verify,
                                 classifier=outcome.get("classifier"), classifier_classes=outcome.get("classes"))
    except AdaptError as e:
        print(f"error: {e}", file=sys.stderr)
        return REFUSAL_EXIT
    except (CheckpointError, ConfigError, ExportError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"done in {time.time() - started:.1f} s: {manifest['id']} (α {manifest['scoring']['alpha']}) in {args.out}")
    return 0
