"""Seconds per training step and peak memory of `fewshot` and `finetune` at LangCell's size, on the CPU.

The modules are built in memory from the export tool's `langcell` preset (the configuration
`export --random-init langcell --gene-dicts …` writes: Geneformer-12L cell encoder, PubMedBERT-base
text encoder with cross-attention of width 512), with random weights, and trained by the same step
functions the commands use (tools/model/fewshot.py, finetune.py). Writing and reading back a 1.1 GB
bundle first would add only export time, not training time.

Cells: pbmc68k tokenized by the service with Geneformer's real dictionary (`langcell-atlas tokenize
--vocab ../shared/data/geneformer-vocab --obs bulk_labels`). Label texts: PubMedBERT's vocabulary is
not on this machine, so each prompt of the labels TSV becomes random word-piece ids of the length
PubMedBERT would give it (about 1.3 pieces per word, plus [CLS]/[SEP]).

usage: python3 bench/adapt/langcell_size_steps.py --tokens T.jsonl --labels labels.tsv --gene-dicts DIR
           --mode fewshot|finetune [--steps 2] [--head-only] --out result.json
Run one mode per process so that each peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from tools.model.checkpoint import read_gene_dicts  # noqa: E402
from tools.model.export import CTMAllPairs  # noqa: E402
from tools.model.fewshot import FewshotSettings, LabelTexts, prepare, train_step  # noqa: E402
from tools.model.finetune import (FinetuneSettings, freeze_for, linear_schedule, make_optimizer,  # noqa: E402
                                  new_classifier)
from tools.model.finetune import train_step as ce_train_step  # noqa: E402
from tools.model.modeling import CellBert, LangCellParts  # noqa: E402
from tools.model.presets import preset_configs  # noqa: E402
from tools.model.training_data import read_labels_tsv, read_tokens_jsonl  # noqa: E402


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--tokens", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--gene-dicts", required=True)
    p.add_argument("--mode", choices=["fewshot", "finetune"], required=True)
    p.add_argument("--head-only", action="store_true")
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--token-budget", type=int, default=16384)
    p.add_argument("--out", required=True)
    args = p.parse_args()

    torch.manual_seed(0)
    gene_vocab, _, _, _ = read_gene_dicts(args.gene_dicts)
    cell_config, text_config, _ = preset_configs("langcell", len(gene_vocab), 28895)
    started = time.time()
    # finetune needs only the cell encoder: build just that, so its peak memory is its own.
    parts = LangCellParts.from_configs(cell_config, text_config) if args.mode == "fewshot" else CellBert(cell_config)
    build_seconds = time.time() - started
    _, tokens, values = read_tokens_jsonl(args.tokens, "bulk_labels")
    labels = read_labels_tsv(args.labels)
    result = {"mode": args.mode, "headOnly": args.head_only, "threads": torch.get_num_threads(),
              "cellConfig": {k: cell_config[k] for k in ("hidden_size", "num_hidden_layers", "vocab_size")},
              "textConfig": {k: text_config[k] for k in ("hidden_size", "num_hidden_layers", "vocab_size", "encoder_width")},
              "buildSeconds": round(build_seconds, 1), "rssAfterBuildMiB": round(peak_rss_mib())}
    steps = []
    if args.mode == "fewshot":
        settings = FewshotSettings(token_budget=args.token_budget)
        gen = torch.Generator().manual_seed(0)
        prompt_ids = []
        for label in labels:
            pieces = round(1.3 * len(label.prompt.split())) + 2
            prompt_ids.append([2] + torch.randint(5, 28895, (pieces - 2,), generator=gen).tolist() + [3])
        texts = LabelTexts([""] * len(labels), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], 512)
        width = max(len(t) for t in prompt_ids)
        texts.ids = torch.zeros(len(prompt_ids), width, dtype=torch.long)
        texts.mask = torch.zeros(len(prompt_ids), width, dtype=torch.long)
        for i, t in enumerate(prompt_ids):
            texts.ids[i, : len(t)] = torch.tensor(t)
            texts.mask[i, : len(t)] = 1
        result["labels"] = len(labels)
        result["promptPieces"] = [len(t) for t in prompt_ids]
        optimizers = prepare(parts, settings)
        ctm = CTMAllPairs(parts)
        targets = [i % len(labels) for i in range(len(tokens))]
        for s in range(args.steps):
            batch = list(range(s * settings.batch_size, (s + 1) * settings.batch_size))
            t0 = time.time()
            loss = train_step(parts, ctm, optimizers, tokens, targets, batch, texts, 0, settings)
            steps.append({"seconds": round(time.time() - t0, 2), "loss": loss,
                          "cellTokens": [len(tokens[i]) for i in batch], "peakRssMiB": round(peak_rss_mib())})
            print(steps[-1], flush=True)
        result["batchSize"] = settings.batch_size
    else:
        settings = FinetuneSettings.for_mode(args.head_only, warmup_steps=0)
        settings.token_budget = args.token_budget
        model = new_classifier(parts, 10, seed=1)
        del parts  # the classifier owns its copy of cell_bert
        freeze_for(model, args.head_only)
        optimizer = make_optimizer(model, settings)
        scheduler = linear_schedule(optimizer, 0, 1000)
        model.train()
        targets = [i % 10 for i in range(len(tokens))]
        for s in range(args.steps):
            batch = list(range(s * settings.batch_size, (s + 1) * settings.batch_size))
            t0 = time.time()
            loss = ce_train_step(model, optimizer, scheduler, tokens, targets, batch, 0, settings)
            steps.append({"seconds": round(time.time() - t0, 2), "loss": loss,
                          "cellTokens": [len(tokens[i]) for i in batch], "peakRssMiB": round(peak_rss_mib())})
            print(steps[-1], flush=True)
        result["batchSize"] = settings.batch_size
    result["steps"] = steps
    result["peakRssMiB"] = round(peak_rss_mib())
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps({k: v for k, v in result.items() if k != "steps"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
