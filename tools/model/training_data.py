"""Labelled cells for ``fewshot`` / ``finetune``: tokens, labels, and LangCell's splits.

Cells are tokenized by the service's own TypeScript tokenizer (``langcell-atlas tokenize``), not by
a second implementation: then the cells a model is adapted on are exactly the cells the service will
show it (same readers for h5ad / 10x / CSV, same gene matching, same log1p inversion, same ranking),
and there is nothing to keep equal. The Python side only reads the JSON lines it writes.

Splits follow the authors' scripts (langcell-model.md §4.2, §4.3). Their ``dataset.shuffle(seed)``
is Hugging Face ``datasets``' shuffle, which is ``np.random.default_rng(seed).permutation(n)``; the
same permutation is used here.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .adapt_errors import AdaptError
from .checkpoint import sha256_file

OTHER_LABEL = "Other"  # dropped from few-shot data, as the authors' fewshot.py does
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@dataclass(frozen=True)
class Label:
    name: str
    ontology_id: Optional[str]
    description: Optional[str]

    @property
    def prompt(self) -> str:
        """LangCell's label text, exactly as src/model/prompt.ts builds it."""
        base = f"cell type: {self.name.strip()}. "
        text = (self.description or "").strip()
        return f"{base}{text}; " if text else base


@dataclass
class LabelledCells:
    """Tokenized cells with a class index each (None for "Other"), and the classes in labels-file order."""

    cell_ids: List[str]
    tokens: List[List[int]]
    classes: List[Label]
    targets: List[Optional[int]]
    raw_labels: List[str]
    source: Dict[str, str] = field(default_factory=dict)  # file name -> sha256


# ------------------------------------------------------------------------------------------------
# Labels

_ALIASES = {"name": ("label", "name"), "id": ("id", "ontology_id"), "description": ("definition", "description")}


def read_labels_tsv(path: str) -> List[Label]:
    """A labels TSV with a header naming label/name, id/ontology_id and definition/description (the
    columns `langcell-atlas labels import` reads)."""
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    if not rows:
        raise AdaptError("INVALID_ARGUMENT", f"{path} is empty")
    header = [h.strip().lower() for h in rows[0]]
    col = {k: next((header.index(a) for a in aliases if a in header), -1) for k, aliases in _ALIASES.items()}
    if col["name"] < 0:
        raise AdaptError("INVALID_ARGUMENT", f"{path}: the header must name a 'label' or 'name' column; found {', '.join(header)}")
    cell = lambda row, k: (row[col[k]].strip() or None) if 0 <= col[k] < len(row) else None  # noqa: E731
    labels, seen = [], set()
    for row in rows[1:]:
        name = cell(row, "name")
        if name and name not in seen:
            seen.add(name)
            labels.append(Label(name, cell(row, "id"), cell(row, "description")))
    return labels


def read_label_map(path: str) -> Dict[str, str]:
    """dataset label -> ontology id or label name, from a TSV with `dataset_label` and `cl_id` (or
    `label`/`name`) columns, e.g. shared/data/cell-ontology/dataset_label_to_cl.tsv."""
    with open(path, encoding="utf-8-sig") as f:
        reader = csv.DictReader(f, delimiter="\t")
        fields = [h.strip().lower() for h in reader.fieldnames or []]
        target = next((c for c in ("cl_id", "ontology_id", "id", "label", "name") if c in fields), None)
        if "dataset_label" not in fields or target is None:
            raise AdaptError("INVALID_ARGUMENT", f"{path}: needs a dataset_label column and one of cl_id, ontology_id, "
                             f"id, label, name; found {', '.join(fields)}")
        mapping: Dict[str, str] = {}
        for row in reader:
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
            if row["dataset_label"] and row[target]:
                mapping.setdefault(row["dataset_label"], row[target])
        return mapping


def resolve_labels(values: Sequence[str], labels: Sequence[Label], label_map: Optional[Mapping[str, str]],
                   drop: Sequence[str] = (OTHER_LABEL,)) -> List[Optional[Label]]:
    """Each value's label (None for a dropped value, "Other" by default): by name, then case-insensitively, then through the map
    (to an ontology id or a name). Refuses with every value that resolves to nothing."""
    by_name = {l.name: l for l in labels}
    by_lower = {l.name.lower(): l for l in labels}
    by_id = {l.ontology_id: l for l in labels if l.ontology_id}
    resolved: Dict[str, Optional[Label]] = {}
    unknown = set()
    for v in dict.fromkeys(values):  # each distinct value once, in first-seen order
        if v in drop:
            resolved[v] = None
            continue
        hit = by_name.get(v) or by_lower.get(v.lower())
        if hit is None and label_map and v in label_map:
            target = label_map[v]
            hit = by_id.get(target) or by_name.get(target) or by_lower.get(target.lower())
        if hit is None:
            unknown.add(v)
        else:
            resolved[v] = hit
    if unknown:
        listed = ", ".join(repr(v) for v in sorted(unknown))
        raise AdaptError("LABEL_NOT_IN_LABELS_FILE", f"{len(unknown)} label value(s) match no label name in the labels "
                         f"file{' nor the label map' if label_map else ''}: {listed}. Add them to the labels file, or "
                         f"map them with --label-map (dataset_label -> ontology id)")
    return [resolved[v] for v in values]


# ------------------------------------------------------------------------------------------------
# Tokens

def tokenize_with_service(input_file: str, label_column: str, bundle_dir: Optional[str], gene_dicts_dir: Optional[str],
                          out_path: str, layer: str = "auto") -> None:
    """`langcell-atlas tokenize` (the service's tokenizer) with the label column carried along."""
    cmd = ["node", os.path.join(REPO, "bin", "langcell-atlas.js"), "tokenize", input_file, "--out", out_path,
           "--obs", label_column, "--layer", layer]
    cmd += ["--bundle", bundle_dir] if bundle_dir else ["--vocab", gene_dicts_dir]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        code = "LABEL_COLUMN_MISSING" if "LABEL_COLUMN_MISSING" in proc.stderr else "TOKENIZE_FAILED"
        raise AdaptError(code, f"langcell-atlas tokenize {input_file}: {message}")
    for line in proc.stderr.splitlines():
        if "genes in the vocabulary" in line:
            print(line)


def read_tokens_jsonl(path: str, label_column: str) -> Tuple[List[str], List[List[int]], List[str]]:
    ids, tokens, values = [], [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            obs = row.get("obs") or {}
            if label_column not in obs:
                raise AdaptError("LABEL_COLUMN_MISSING", f"{path}:{number} has no obs value {label_column!r}; tokenize "
                                 f"with `langcell-atlas tokenize … --obs {label_column}`")
            ids.append(str(row["cell"]))
            tokens.append([int(t) for t in row["input_ids"]])
            values.append("" if obs[label_column] is None else str(obs[label_column]))
    return ids, tokens, values


def check_vocabulary(tokens: Sequence[Sequence[int]], cls_id: int, vocab_size: int, where: str) -> None:
    """Refuses tokens that this model cannot embed, or a file whose genes it barely knows."""
    for i, t in enumerate(tokens):
        if not t or t[0] != cls_id:
            raise AdaptError("VOCABULARY_MISMATCH", f"{where}: cell {i} does not start with this model's <cls> ({cls_id}); "
                             f"the tokens were made with another vocabulary. Tokenize with this model's bundle")
        if max(t) >= vocab_size:
            raise AdaptError("VOCABULARY_MISMATCH", f"{where}: cell {i} has token id {max(t)} but the cell encoder "
                             f"embeds only {vocab_size} ids; tokenize with this model's bundle")
    genes = np.array([len(t) - 1 for t in tokens])
    if len(genes) and np.median(genes) < 1:
        raise AdaptError("VOCABULARY_MISMATCH", f"{where}: most cells have no gene in the model's vocabulary (median "
                         f"{np.median(genes):.0f} genes per cell): the model's vocabulary does not fit this file "
                         f"(Ensembl ids or a symbol map are needed)")


def load_labelled_cells(input_file: Optional[str], tokens_file: Optional[str], label_column: str, labels_tsv: str,
                        label_map_tsv: Optional[str], bundle_dir: Optional[str], gene_dicts_dir: Optional[str],
                        cls_id: int, vocab_size: int, layer: str = "auto",
                        drop_labels: Sequence[str] = (OTHER_LABEL,)) -> LabelledCells:
    labels = read_labels_tsv(labels_tsv)
    label_map = read_label_map(label_map_tsv) if label_map_tsv else None
    source = {os.path.basename(labels_tsv): sha256_file(labels_tsv)}
    if label_map_tsv:
        source[os.path.basename(label_map_tsv)] = sha256_file(label_map_tsv)
    with tempfile.TemporaryDirectory(prefix="langcell-adapt-") as tmp:
        if tokens_file is None:
            tokens_file_used = os.path.join(tmp, "tokens.jsonl")
            tokenize_with_service(input_file, label_column, bundle_dir, gene_dicts_dir, tokens_file_used, layer)
            source[os.path.basename(input_file)] = sha256_file(input_file)
        else:
            tokens_file_used = tokens_file
            source[os.path.basename(tokens_file)] = sha256_file(tokens_file)
        ids, tokens, values = read_tokens_jsonl(tokens_file_used, label_column)
    check_vocabulary(tokens, cls_id, vocab_size, input_file or tokens_file)
    resolved = resolve_labels(values, labels, label_map, drop_labels)
    present = {l.name for l in resolved if l is not None}
    classes = [l for l in labels if l.name in present]  # labels-file order
    index = {l.name: i for i, l in enumerate(classes)}
    targets = [None if l is None else index[l.name] for l in resolved]
    return LabelledCells(ids, tokens, classes, targets, list(values), source)


# ------------------------------------------------------------------------------------------------
# Splits

def shuffled_order(n: int, seed: int) -> np.ndarray:
    """Hugging Face datasets' `Dataset.shuffle(seed)` order."""
    return np.random.default_rng(seed).permutation(n)


def nshot_split(targets: Sequence[Optional[int]], n: int, seed: int, n_classes: int,
                class_names: Optional[Sequence[str]] = None) -> Tuple[List[int], List[int]]:
    """(train, test) cell indices: the first n cells of each class in shuffled order; "Other" (None) dropped;
    test = every other cell. Train is in shuffled order, test in file order."""
    if n < 1:
        raise AdaptError("INVALID_ARGUMENT", f"n must be at least 1, got {n}")
    counts = np.bincount([t for t in targets if t is not None], minlength=n_classes)
    short = [(class_names[c] if class_names else str(c), int(counts[c])) for c in range(n_classes) if counts[c] < n]
    if short:
        listed = ", ".join(f"{name} ({count})" for name, count in short)
        raise AdaptError("TOO_FEW_CELLS", f"{n} cells per class were asked for, but these classes have fewer: {listed}. "
                         f"Lower --n-shot, or leave those classes out with --drop-label")
    taken = [0] * n_classes
    train: List[int] = []
    for i in shuffled_order(len(targets), seed):
        t = targets[int(i)]
        if t is not None and taken[t] < n:
            taken[t] += 1
            train.append(int(i))
    chosen = set(train)
    test = [i for i, t in enumerate(targets) if t is not None and i not in chosen]
    return train, test


def split_validation(train: Sequence[int], targets: Sequence[Optional[int]], per_class: int) -> Tuple[List[int], List[int]]:
    """The last `per_class` training cells of each class (in the given order) become validation cells."""
    by_class: Dict[int, List[int]] = {}
    for i in train:
        by_class.setdefault(targets[i], []).append(i)
    held = {i for cells in by_class.values() for i in cells[len(cells) - per_class:]} if per_class > 0 else set()
    return [i for i in train if i not in held], [i for i in train if i in held]


def validation_cells_per_class(n: int) -> int:
    """One validation cell per five training cells, at least one once n ≥ 2; none at n = 1."""
    return 0 if n < 2 else max(1, round(n / 5))


def ce_split(targets: Sequence[Optional[int]], seed: int = 1, test_fraction: float = 0.33) -> Tuple[List[int], List[int]]:
    """LangCell-CE's split: shuffle(seed), the first round(N·(1−0.33)) train, the rest test restricted
    to classes seen in training (finetune.py 38-61)."""
    order = [int(i) for i in shuffled_order(len(targets), seed)]
    size = round(len(targets) * (1 - test_fraction))
    train, test = order[:size], order[size:]
    seen = {targets[i] for i in train}
    return train, [i for i in test if targets[i] in seen]
