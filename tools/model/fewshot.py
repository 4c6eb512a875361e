"""LangCell few-shot (``LangCell-annotation-fewshot/fewshot.py``, langcell-model.md §4.2), faithfully:

- train ``cell_bert`` + ``cell_proj`` and ``text_bert`` + ``text_proj``, each with its own Adam at
  lr 1e-5; ``ctm_head`` frozen; modules in training mode (dropout on); 10 epochs, batch 12;
- loss per step = CE(cell·text / 0.05, y) + CE(p_match over the labels, y), label texts re-encoded
  every step. The second term feeds **probabilities** (p_match ∈ [0, 1]) into cross-entropy, which
  applies its own softmax on top: that is what the authors wrote, and it is reproduced, not fixed;
- n cells per class: the first n of each class after ``shuffle(seed=2024)``, "Other" dropped;
- one departure, on purpose: the authors pick α by sweeping it on the test cells; here α is chosen on
  validation cells held out of the n training cells (the last max(1, round(n/5)) of each class, none at n = 1,
  where the base's α is kept). Then, by default, the model is trained again from the base on all n
  cells (``--no-refit`` keeps the model trained without the validation cells).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .export import CTMAllPairs, pad_batch
from .modeling import LangCellParts
from .training_common import accuracy_and_macro_f1, batches_of, micro_batches, peak_rss_mib
from .wordpiece import PAD, WordPieceTokenizer

TEMPERATURE = 0.05
# The authors' sweep (fewshot.py 234-236).
ALPHA_GRID = [0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


@dataclass
class FewshotSettings:
    epochs: int = 10
    batch_size: int = 12
    lr: float = 1e-5
    seed: int = 2024
    token_budget: int = 4096  # padded cell tokens per forward pass (micro-batching above it)
    device: torch.device = torch.device("cpu")


class LabelTexts:
    """The candidate labels' prompts, tokenized once and padded together."""

    def __init__(self, prompts: Sequence[str], text_vocab: Sequence[str], max_length: int):
        tokenizer = WordPieceTokenizer(text_vocab)
        self.prompts = list(prompts)
        self.ids, self.mask = pad_batch([tokenizer.encode(p, max_length) for p in prompts], tokenizer.vocab[PAD])


def trainable_modules(parts: LangCellParts):
    return [parts.cell_bert, parts.cell_proj, parts.text_bert, parts.text_proj]


def prepare(parts: LangCellParts, settings: FewshotSettings):
    """Training mode, ctm_head frozen, and the authors' two Adam optimizers."""
    for m in parts.modules().values():
        m.to(settings.device)
        m.train()
    for p in parts.ctm_head.parameters():
        p.requires_grad_(False)
    cell_params = list(parts.cell_bert.parameters()) + list(parts.cell_proj.parameters())
    text_params = list(parts.text_bert.parameters()) + list(parts.text_proj.parameters())
    return [torch.optim.Adam(cell_params, lr=settings.lr), torch.optim.Adam(text_params, lr=settings.lr)]


def fewshot_loss(parts: LangCellParts, ctm: CTMAllPairs, cell_ids: torch.Tensor, cell_mask: torch.Tensor,
                 texts: LabelTexts, targets: torch.Tensor) -> torch.Tensor:
    """CE(sim / 0.05) + CE(p_match) over the K labels, mean over the cells (the authors' loss)."""
    device = cell_ids.device
    hidden = parts.cell_bert(cell_ids, cell_mask)
    cell_emb = F.normalize(parts.cell_proj(hidden[:, 0]), dim=-1)
    text_ids, text_mask = texts.ids.to(device), texts.mask.to(device)
    text_emb = F.normalize(parts.text_proj(parts.text_bert(text_ids, text_mask)[:, 0]), dim=-1)
    sim_logits = cell_emb @ text_emb.T / TEMPERATURE
    p_match = ctm(text_ids, text_mask, hidden, cell_mask)  # [B, K] probabilities
    return F.cross_entropy(sim_logits, targets) + F.cross_entropy(p_match, targets)


def train_step(parts: LangCellParts, ctm: CTMAllPairs, optimizers, tokens: Sequence[Sequence[int]], targets: Sequence[int],
               batch: Sequence[int], texts: LabelTexts, pad_id: int, settings: FewshotSettings) -> float:
    """One optimizer step over `batch` (micro-batched under the token budget, gradients accumulated)."""
    with torch.enable_grad():  # the export path of the same process turns gradients off globally
        return _train_step(parts, ctm, optimizers, tokens, targets, batch, texts, pad_id, settings)


def _train_step(parts, ctm, optimizers, tokens, targets, batch, texts, pad_id, settings) -> float:
    for opt in optimizers:
        opt.zero_grad(set_to_none=True)
    lengths = [len(t) for t in tokens]
    total = 0.0
    for piece in micro_batches(batch, lengths, settings.token_budget):
        ids, mask = pad_batch([tokens[i] for i in piece], pad_id)
        y = torch.tensor([targets[i] for i in piece], dtype=torch.long, device=settings.device)
        loss = fewshot_loss(parts, ctm, ids.to(settings.device), mask.to(settings.device), texts, y)
        (loss * len(piece) / len(batch)).backward()
        total += float(loss.detach()) * len(piece) / len(batch)
    for opt in optimizers:
        opt.step()
    return total


@torch.no_grad()
def score_cells(parts: LangCellParts, tokens: Sequence[Sequence[int]], rows: Sequence[int], texts: LabelTexts,
                pad_id: int, device: torch.device, batch_size: int = 16):
    """(softmax(sim / 0.05), softmax(p_match)) over the labels for each cell: LangCell's two evidence
    rows, every label scored by CTM (as the authors' evaluation does)."""
    was_training = parts.cell_bert.training
    parts.eval()
    ctm = CTMAllPairs(parts)
    text_ids, text_mask = texts.ids.to(device), texts.mask.to(device)
    text_emb = F.normalize(parts.text_proj(parts.text_bert(text_ids, text_mask)[:, 0]), dim=-1)
    zero_shot, ctm_rows = [], []
    for chunk in batches_of(list(rows), batch_size):
        ids, mask = (x.to(device) for x in pad_batch([tokens[i] for i in chunk], pad_id))
        hidden = parts.cell_bert(ids, mask)
        cell_emb = F.normalize(parts.cell_proj(hidden[:, 0]), dim=-1)
        zero_shot.append(torch.softmax(cell_emb @ text_emb.T / TEMPERATURE, dim=-1).cpu())
        ctm_rows.append(torch.softmax(ctm(text_ids, text_mask, hidden, mask), dim=-1).cpu())
    if was_training:
        for m in parts.modules().values():
            m.train()
    k = text_ids.shape[0]
    empty = torch.zeros(0, k)
    return (torch.cat(zero_shot) if zero_shot else empty).numpy(), (torch.cat(ctm_rows) if ctm_rows else empty).numpy()


def alpha_sweep(zero_shot: np.ndarray, ctm: np.ndarray, truth: Sequence[int], n_classes: int) -> List[Dict[str, float]]:
    return [{"alpha": a, **accuracy_and_macro_f1(truth, list(np.argmax(a * zero_shot + (1 - a) * ctm, axis=1)), n_classes)}
            for a in ALPHA_GRID]


def choose_alpha(sweep: Sequence[Dict[str, float]], default: float) -> float:
    """Best validation accuracy, then macro-F1, then the α closest to the base's (ties are common with few cells)."""
    best = max(sweep, key=lambda r: (r["accuracy"], r["macroF1"], -abs(r["alpha"] - default)))
    return float(best["alpha"])


def train(parts: LangCellParts, tokens: Sequence[Sequence[int]], targets: Sequence[int], train_rows: Sequence[int],
          texts: LabelTexts, pad_id: int, settings: FewshotSettings, validation_rows: Sequence[int] = (),
          log: Callable[[str], None] = print, label: str = "fewshot") -> List[Dict[str, Any]]:
    """Trains `parts` in place; returns the per-epoch history (loss, validation accuracy at the best α)."""
    torch.manual_seed(settings.seed)  # dropout masks and batch order
    order_generator = torch.Generator().manual_seed(settings.seed)
    optimizers = prepare(parts, settings)
    ctm = CTMAllPairs(parts)
    history: List[Dict[str, Any]] = []
    n_classes = texts.ids.shape[0]
    for epoch in range(1, settings.epochs + 1):
        started = time.time()
        order = [train_rows[int(i)] for i in torch.randperm(len(train_rows), generator=order_generator)]
        losses = [train_step(parts, ctm, optimizers, tokens, targets, b, texts, pad_id, settings)
                  for b in batches_of(order, settings.batch_size)]
        entry: Dict[str, Any] = {"epoch": epoch, "loss": float(np.mean(losses)), "steps": len(losses),
                                 "seconds": round(time.time() - started, 2), "peakRssMiB": round(peak_rss_mib())}
        line = f"{label} epoch {epoch}/{settings.epochs}: loss {entry['loss']:.4f} ({len(losses)} steps, {entry['seconds']:.1f} s)"
        if validation_rows:
            zs, cm = score_cells(parts, tokens, validation_rows, texts, pad_id, settings.device)
            sweep = alpha_sweep(zs, cm, [targets[i] for i in validation_rows], n_classes)
            best = max(sweep, key=lambda r: (r["accuracy"], r["macroF1"]))
            entry["validation"] = {"bestAlpha": best["alpha"], "accuracy": best["accuracy"], "macroF1": best["macroF1"],
                                   "cells": len(validation_rows)}
            line += f", validation accuracy {best['accuracy']:.3f} (α {best['alpha']})"
        log(line)
        history.append(entry)
    parts.eval()
    for p in parts.ctm_head.parameters():
        p.requires_grad_(True)
    return history


def run_fewshot(base_parts: LangCellParts, tokens: Sequence[Sequence[int]], targets: Sequence[int],
                train_rows: Sequence[int], validation_rows: Sequence[int], texts: LabelTexts, pad_id: int,
                settings: FewshotSettings, base_alpha: float, refit: bool = True,
                log: Callable[[str], None] = print) -> Dict[str, Any]:
    """α on validation cells (model trained without them), then optionally a refit on all n cells.
    Returns {"parts", "alpha", "training" (manifest figures)}."""
    n_classes = texts.ids.shape[0]
    fit_rows = [i for i in train_rows if i not in set(validation_rows)]
    parts = copy.deepcopy(base_parts)
    history = train(parts, tokens, targets, fit_rows, texts, pad_id, settings, validation_rows, log,
                    label="fewshot (α selection)" if validation_rows and refit else "fewshot")
    figures: Dict[str, Any] = {"trainCellsForAlpha": len(fit_rows), "validationCells": len(validation_rows),
                               "history": history}
    if validation_rows:
        zs, cm = score_cells(parts, tokens, validation_rows, texts, pad_id, settings.device)
        sweep = alpha_sweep(zs, cm, [targets[i] for i in validation_rows], n_classes)
        alpha = choose_alpha(sweep, base_alpha)
        figures["alphaSweep"] = sweep
        figures["alphaSource"] = "validation cells held out of the training cells"
    else:
        alpha = base_alpha
        figures["alphaSource"] = "base model's alpha (n = 1 leaves no validation cell)"
    log(f"α = {alpha} ({figures['alphaSource']})")
    if validation_rows and refit:
        parts = copy.deepcopy(base_parts)
        figures["refitHistory"] = train(parts, tokens, targets, list(train_rows), texts, pad_id, settings, (), log,
                                        label="fewshot (refit on all n)")
    figures["refit"] = bool(validation_rows and refit)
    return {"parts": parts, "alpha": alpha, "training": figures}
