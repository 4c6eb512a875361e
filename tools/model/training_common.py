"""What fewshot.py and finetune.py share: padded batches, micro-batches under a token budget,
metrics, and the provenance every adapted bundle records."""

from __future__ import annotations

import resource
import shlex
from typing import Dict, List, Sequence

import numpy as np
import torch

from .export import pad_batch


def batches_of(indices: Sequence[int], size: int) -> List[List[int]]:
    return [list(indices[i: i + size]) for i in range(0, len(indices), size)]


def micro_batches(batch: Sequence[int], lengths: Sequence[int], token_budget: int) -> List[List[int]]:
    """Splits a batch so that no piece pads more than `token_budget` tokens: the gradient is
    accumulated over the pieces (same batch, same update), so memory stays bounded at 2,048-token cells."""
    ordered = sorted(batch, key=lambda i: -lengths[i])
    pieces: List[List[int]] = []
    for i in ordered:
        if pieces and (len(pieces[-1]) + 1) * lengths[pieces[-1][0]] <= token_budget:
            pieces[-1].append(i)
        else:
            pieces.append([i])
    return pieces


def cell_tensors(tokens: Sequence[Sequence[int]], rows: Sequence[int], pad_id: int):
    return pad_batch([tokens[i] for i in rows], pad_id)


def accuracy_and_macro_f1(truth: Sequence[int], predicted: Sequence[int], n_classes: int) -> Dict[str, float]:
    """Accuracy and macro-F1 over the classes present in the truth (as sklearn's f1_score(average='macro')
    over the labels that occur in truth or predictions)."""
    truth_a, pred_a = np.asarray(truth), np.asarray(predicted)
    if len(truth_a) == 0:
        return {"accuracy": float("nan"), "macroF1": float("nan"), "cells": 0}
    labels = sorted(set(truth_a.tolist()) | set(pred_a.tolist()))
    f1s = []
    for c in labels:
        tp = int(np.sum((truth_a == c) & (pred_a == c)))
        fp = int(np.sum((truth_a != c) & (pred_a == c)))
        fn = int(np.sum((truth_a == c) & (pred_a != c)))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return {"accuracy": float(np.mean(truth_a == pred_a)), "macroF1": float(np.mean(f1s)), "cells": int(len(truth_a))}


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def command_line(argv: Sequence[str]) -> str:
    return " ".join(["python3 -m tools.model"] + [shlex.quote(a) for a in argv])


def pick_device(requested: str) -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)
