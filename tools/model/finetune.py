"""LangCell-CE (``LangCell-CE-annotation/finetune.py`` and ``fewshot.py``, langcell-model.md §4.3).

The model is Hugging Face's ``BertForSequenceClassification`` over ``cell_bert``: a pooler
(dense + tanh over ``<cls>``, randomly initialised since ``cell_bert`` has none), dropout, and a
linear head over K classes. Full fine-tuning uses the authors' Trainer settings (AdamW lr 5e-5 with
weight decay 0.001 except biases and LayerNorm weights, linear schedule with 500 warm-up steps,
batch 16, 20 epochs, length-grouped batches, evaluation each epoch on the held-out third);
``--head-only`` is their CE few-shot (everything frozen but the parameters named ``classifier``,
lr 5e-3, no warm-up).

The classifier owns a copy of ``cell_bert``: the base's encoders stay as they were, so a
fine-tuned bundle keeps the base's zero-shot and CTM evidence and adds the classifier's.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .export import pad_batch
from .modeling import CellBert, init_weights
from .training_common import accuracy_and_macro_f1, batches_of, micro_batches, peak_rss_mib


class CellClassifier(nn.Module):
    """BertForSequenceClassification's layout: bert (the cell encoder), pooler, dropout, classifier."""

    def __init__(self, cell_bert: CellBert, num_classes: int):
        super().__init__()
        dims = cell_bert.dims
        self.bert = cell_bert
        self.pooler = nn.Linear(dims.hidden_size, dims.hidden_size)  # HF BertPooler.dense
        self.dropout = nn.Dropout(dims.hidden_dropout_prob)
        self.classifier = nn.Linear(dims.hidden_size, num_classes)
        init_weights(self.pooler, dims.initializer_range)
        init_weights(self.classifier, dims.initializer_range)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        pooled = torch.tanh(self.pooler(self.bert(input_ids, attention_mask)[:, 0]))
        return self.classifier(self.dropout(pooled))


@dataclass
class FinetuneSettings:
    head_only: bool = False
    epochs: int = 20
    batch_size: int = 16
    lr: float = 5e-5
    warmup_steps: int = 500
    weight_decay: float = 0.001
    seed: int = 1
    token_budget: int = 4096
    device: torch.device = torch.device("cpu")

    @staticmethod
    def for_mode(head_only: bool, **overrides) -> "FinetuneSettings":
        base = FinetuneSettings(head_only=True, lr=5e-3, warmup_steps=0) if head_only else FinetuneSettings()
        for k, v in overrides.items():
            if v is not None:
                setattr(base, k, v)
        return base


def new_classifier(base_bert: CellBert, num_classes: int, seed: int) -> CellClassifier:
    torch.manual_seed(seed)  # the random pooler and head
    return CellClassifier(copy.deepcopy(base_bert), num_classes)


def freeze_for(model: CellClassifier, head_only: bool) -> List[nn.Parameter]:
    """Trainable parameters; with head_only, the authors' rule: only names containing "classifier"."""
    trainable = []
    for name, p in model.named_parameters():
        p.requires_grad_(not head_only or "classifier" in name)
        if p.requires_grad:
            trainable.append(p)
    return trainable


def make_optimizer(model: CellClassifier, settings: FinetuneSettings) -> torch.optim.Optimizer:
    """HF Trainer's AdamW groups: no weight decay on biases and LayerNorm weights."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if name.endswith(".bias") or "LayerNorm" in name else decay).append(p)
    groups = [{"params": decay, "weight_decay": settings.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=settings.lr, betas=(0.9, 0.999), eps=1e-8)


def linear_schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int):
    """transformers.get_linear_schedule_with_warmup."""
    def factor(step: int) -> float:
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def length_grouped_order(rows: Sequence[int], lengths: Sequence[int], batch_size: int, generator: torch.Generator) -> List[int]:
    """HF LengthGroupedSampler: a random permutation cut into megabatches of 50 batches, each sorted by
    length (longest first), with the batch holding the longest cell moved to the front."""
    perm = [rows[int(i)] for i in torch.randperm(len(rows), generator=generator)]
    mega = 50 * batch_size
    order = [i for m in range(0, len(perm), mega) for i in sorted(perm[m: m + mega], key=lambda i: -lengths[i])]
    batches = batches_of(order, batch_size)
    if batches:
        longest = max(range(len(batches)), key=lambda b: max(lengths[i] for i in batches[b]))
        batches[0], batches[longest] = batches[longest], batches[0]
    return [i for b in batches for i in b]


def train_step(model: CellClassifier, optimizer, scheduler, tokens, targets, batch, pad_id: int,
               settings: FinetuneSettings) -> float:
    with torch.enable_grad():  # the export path of the same process turns gradients off globally
        return _train_step(model, optimizer, scheduler, tokens, targets, batch, pad_id, settings)


def _train_step(model, optimizer, scheduler, tokens, targets, batch, pad_id, settings) -> float:
    optimizer.zero_grad(set_to_none=True)
    lengths = [len(t) for t in tokens]
    total = 0.0
    for piece in micro_batches(batch, lengths, settings.token_budget):
        ids, mask = (x.to(settings.device) for x in pad_batch([tokens[i] for i in piece], pad_id))
        y = torch.tensor([targets[i] for i in piece], dtype=torch.long, device=settings.device)
        loss = F.cross_entropy(model(ids, mask), y)
        (loss * len(piece) / len(batch)).backward()
        total += float(loss.detach()) * len(piece) / len(batch)
    optimizer.step()
    scheduler.step()
    return total


@torch.no_grad()
def predict(model: CellClassifier, tokens, rows: Sequence[int], pad_id: int, device: torch.device,
            batch_size: int = 64) -> np.ndarray:
    """Class probabilities [len(rows), K] in eval mode."""
    was_training = model.training
    model.eval()
    out = []
    for chunk in batches_of(list(rows), batch_size):
        ids, mask = (x.to(device) for x in pad_batch([tokens[i] for i in chunk], pad_id))
        out.append(torch.softmax(model(ids, mask), dim=-1).cpu())
    model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, model.classifier.out_features))


def run_finetune(base_bert: CellBert, tokens: Sequence[Sequence[int]], targets: Sequence[int], n_classes: int,
                 train_rows: Sequence[int], eval_rows: Sequence[int], pad_id: int, settings: FinetuneSettings,
                 log: Callable[[str], None] = print) -> Dict[str, Any]:
    """Trains a new classifier; returns {"model", "training" (per-epoch loss and evaluation)}."""
    model = new_classifier(base_bert, n_classes, settings.seed).to(settings.device)
    freeze_for(model, settings.head_only)
    optimizer = make_optimizer(model, settings)
    steps_per_epoch = len(batches_of(list(train_rows), settings.batch_size))
    scheduler = linear_schedule(optimizer, settings.warmup_steps, steps_per_epoch * settings.epochs)
    lengths = [len(t) for t in tokens]
    generator = torch.Generator().manual_seed(settings.seed)
    torch.manual_seed(settings.seed)  # dropout masks
    model.train()
    history: List[Dict[str, Any]] = []
    label = "finetune (head only)" if settings.head_only else "finetune"
    for epoch in range(1, settings.epochs + 1):
        started = time.time()
        if settings.head_only:
            order = [train_rows[int(i)] for i in torch.randperm(len(train_rows), generator=generator)]
        else:
            order = length_grouped_order(list(train_rows), lengths, settings.batch_size, generator)
        losses = [train_step(model, optimizer, scheduler, tokens, targets, b, pad_id, settings)
                  for b in batches_of(order, settings.batch_size)]
        entry: Dict[str, Any] = {"epoch": epoch, "loss": float(np.mean(losses)), "steps": len(losses),
                                 "lr": float(scheduler.get_last_lr()[0]), "seconds": round(time.time() - started, 2),
                                 "peakRssMiB": round(peak_rss_mib())}
        line = f"{label} epoch {epoch}/{settings.epochs}: loss {entry['loss']:.4f} ({len(losses)} steps, {entry['seconds']:.1f} s)"
        if eval_rows:
            probs = predict(model, tokens, eval_rows, pad_id, settings.device)
            entry["evaluation"] = accuracy_and_macro_f1([targets[i] for i in eval_rows], list(probs.argmax(1)), n_classes)
            line += f", held-out accuracy {entry['evaluation']['accuracy']:.3f} macro-F1 {entry['evaluation']['macroF1']:.3f}"
        log(line)
        history.append(entry)
    model.eval()
    return {"model": model, "training": {"history": history, "stepsPerEpoch": steps_per_epoch}}
