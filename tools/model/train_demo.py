"""Train the demo model: a small LangCell (same architecture, same five modules) on the demo atlas.

    npx tsx seed/write-atlas.ts --out /tmp/demo-atlas
    /usr/bin/python3 -m tools.model.train_demo --atlas /tmp/demo-atlas --out seed/bundle

(`bash seed/make-demo-bundle.sh` runs both.) As LangCell pre-trains, the loss is cell–text
contrastive (both directions, at LangCell's temperature 0.05) plus cell–text matching (CTM) with hard
negatives mined from the current similarities, as in BLIP's ITM. The gene vocabulary and the gene
medians come from the training cells, the way Geneformer derived its own from Genecorpus-30M, and
the WordPiece vocabulary from the training texts. Held-out cells and held-out phrasings measure
zero-shot accuracy and text→cell precision@10; the figures go into the bundle manifest.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import time
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import CLS_TOKEN, MASK_TOKEN, PAD_TOKEN
from .export import export_bundle
from .modeling import LangCellParts, disable_dropout
from .presets import cell_config, text_config
from .wordpiece import CLS, MASK, PAD, SEP, UNK, WordPieceTokenizer, basic_tokenize

TEMPERATURE = 0.05
SEED = 20240521


# ------------------------------------------------------------------------------------------------
# Atlas files (written by seed/write-atlas.ts; layout in seed/README.md)

def read_tsv(path: str) -> List[Dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def load_atlas(directory: str):
    genes = read_tsv(os.path.join(directory, "genes.tsv"))
    cells = read_tsv(os.path.join(directory, "cells.tsv"))
    indptr = np.load(os.path.join(directory, "counts_indptr.npy")).astype(np.int64)
    indices = np.load(os.path.join(directory, "counts_indices.npy")).astype(np.int64)
    data = np.load(os.path.join(directory, "counts_data.npy")).astype(np.float32)
    with open(os.path.join(directory, "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    with open(os.path.join(directory, "atlas.json"), encoding="utf-8") as f:
        files = json.load(f)["sha256"]
    if len(indptr) != len(cells) + 1:
        raise ValueError(f"counts_indptr has {len(indptr)} entries for {len(cells)} cells")
    return genes, cells, (indptr, indices, data), labels, files


# ------------------------------------------------------------------------------------------------
# Vocabularies from the training corpus

def gene_vocabulary(genes: Sequence[Dict[str, str]], cells, counts, train_rows: np.ndarray):
    """Token ids in Ensembl-id order after <pad>, <mask>; <cls> last (as LangCell appends it).
    Medians: Geneformer's non-zero median of count / n_counts × 10,000 over the training cells."""
    indptr, indices, data = counts
    per_gene: List[List[float]] = [[] for _ in genes]
    for row in train_rows:
        lo, hi = indptr[row], indptr[row + 1]
        total = float(data[lo:hi].sum())
        for column, value in zip(indices[lo:hi], data[lo:hi]):
            if value > 0:
                per_gene[column].append(value / total * 10_000)
    ensembl = [g["ensembl_id"] for g in genes]
    kept = sorted(i for i, values in enumerate(per_gene) if values)
    vocab = {PAD_TOKEN: 0, MASK_TOKEN: 1}
    for i in sorted(kept, key=lambda i: ensembl[i]):
        vocab[ensembl[i]] = len(vocab)
    vocab[CLS_TOKEN] = len(vocab)
    medians = {ensembl[i]: float(np.median(per_gene[i])) for i in kept}
    symbols = {g["symbol"]: g["ensembl_id"] for g in genes if g["ensembl_id"] in medians}
    return vocab, medians, symbols


def text_vocabulary(texts: Sequence[str]) -> List[str]:
    """Specials, every whole word of the training texts, and single characters (plain and ##) so
    that any unseen word still tokenizes into known pieces instead of [UNK]."""
    words = set()
    chars = set("abcdefghijklmnopqrstuvwxyz0123456789") | set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    for text in texts:
        for word in basic_tokenize(text):  # lower-cased, accents stripped, punctuation split off
            words.add(word)
            chars.update(word)
    pieces = sorted(words | chars) + sorted(f"##{c}" for c in chars)
    specials = [PAD, UNK, CLS, SEP, MASK]
    return specials + [p for p in dict.fromkeys(pieces) if p not in specials]


# ------------------------------------------------------------------------------------------------
# Geneformer rank-value tokenization (an independent Python implementation of langcell-model.md §1)

def tokenize_cells(counts, rows: np.ndarray, column_tokens: np.ndarray, column_medians: np.ndarray,
                   cls_id: int, max_length: int) -> List[np.ndarray]:
    indptr, indices, data = counts
    out = []
    for row in rows:
        lo, hi = indptr[row], indptr[row + 1]
        cols, values = indices[lo:hi], data[lo:hi]
        n_counts = np.float32(values.sum())
        keep = (column_tokens[cols] >= 0) & (values > 0)
        cols, values = cols[keep], values[keep]
        scores = ((values / n_counts).astype(np.float32) * np.float32(10_000)).astype(np.float64) / column_medians[cols]
        order = np.lexsort((cols, -scores))  # score descending, then file column ascending
        tokens = column_tokens[cols[order]][: max_length - 1]
        out.append(np.concatenate([[cls_id], tokens]).astype(np.int64))
    return out


def pad(rows: Sequence[Sequence[int]], pad_id: int, max_length: int) -> Tuple[torch.Tensor, torch.Tensor]:
    length = max(1, min(max_length, max(len(r) for r in rows)))
    ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, r in enumerate(rows):
        r = list(r)[:length]
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


# ------------------------------------------------------------------------------------------------
# Training

def soft_contrastive(logits: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against a uniform target over every item of the same cell type (several cells
    of one type share a batch, so they are not negatives of each other)."""
    targets = same.float() / same.float().sum(dim=1, keepdim=True)
    return -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def sample_negatives(similarity: torch.Tensor, same: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """For each row, one column of a different type, drawn in proportion to softmax(similarity)."""
    weights = torch.softmax(similarity.detach(), dim=1).masked_fill(same, 0) + 1e-9 * (~same).float()
    return torch.multinomial(weights, 1, generator=generator).squeeze(1)


def crop_length(progress: float, rng: random.Random) -> int:
    """A length curriculum. At initialisation the <cls> output is an almost uniform average over
    all genes, nearly the same for every cell (cosine 0.99999 between cells), and with hundreds of
    genes the loss does not move; on the top 32 genes it learns within ~100 steps. So training
    starts on short crops of the rank-ordered cell and ends on whole cells (2048 = no cut), which
    is what inference sees."""
    if progress < 0.3:
        return 32
    if progress < 0.55:
        return rng.choice([32, 64, 128])
    return rng.choice([64, 128, 256, 2048, 2048])


def train(parts: LangCellParts, train_tokens, train_labels, type_texts, args, log) -> Dict[str, float]:
    generator = torch.Generator().manual_seed(SEED)
    rng = random.Random(SEED)
    parameters = [p for m in parts.modules().values() for p in m.parameters()]
    optimizer = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    # Short warm-up, constant, then a linear decay over the last 30% of the steps.
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / 20, max(0.05, (args.steps - s) / (0.3 * args.steps))))
    by_type: Dict[int, List[int]] = {}
    for i, label in enumerate(train_labels):
        by_type.setdefault(label, []).append(i)
    types = sorted(by_type)
    for m in parts.modules().values():
        m.train()
    # The demo bundle was trained before the modules had dropout layers; keep its recipe unchanged.
    disable_dropout(parts)
    started = time.time()
    history: Dict[str, float] = {}
    for step in range(1, args.steps + 1):
        length = crop_length(step / args.steps, rng)
        size = max(args.min_batch, min(args.batch, args.token_budget // length))
        # Class-balanced batch: every type equally often, so rare types are learned too.
        batch = [rng.choice(by_type[rng.choice(types)]) for _ in range(size)]
        labels = torch.tensor([train_labels[i] for i in batch])
        texts = [rng.choice(type_texts[int(t)]) for t in labels]
        cell_ids, cell_mask = pad([train_tokens[i] for i in batch], 0, length)
        text_ids, text_mask = pad(texts, 0, 512)

        cell_hidden = parts.cell_bert(cell_ids, cell_mask)
        cell_emb = F.normalize(parts.cell_proj(cell_hidden[:, 0]), dim=-1)
        text_emb = F.normalize(parts.text_proj(parts.text_bert(text_ids, text_mask)[:, 0]), dim=-1)
        same = labels[:, None] == labels[None, :]
        logits = cell_emb @ text_emb.T / TEMPERATURE
        contrastive = (soft_contrastive(logits, same) + soft_contrastive(logits.T, same.T)) / 2

        # Zero-shot objective over one text of every type, as inference scores a cell against all labels.
        label_texts = [rng.choice(type_texts[t]) for t in types]
        label_ids, label_mask = pad(label_texts, 0, 512)
        label_emb = F.normalize(parts.text_proj(parts.text_bert(label_ids, label_mask)[:, 0]), dim=-1)
        zero_shot = F.cross_entropy(cell_emb @ label_emb.T / TEMPERATURE, torch.tensor([types.index(int(t)) for t in labels]))

        # CTM with hard negatives: each cell with its text, with a confusable other-type text, and
        # each text with a confusable other-type cell.
        negative_text = sample_negatives(logits, same, generator)
        negative_cell = sample_negatives(logits.T, same.T, generator)
        pair_text = torch.cat([text_ids, text_ids[negative_text], text_ids])
        pair_text_mask = torch.cat([text_mask, text_mask[negative_text], text_mask])
        pair_cell = torch.cat([cell_hidden, cell_hidden, cell_hidden[negative_cell]])
        pair_cell_mask = torch.cat([cell_mask, cell_mask, cell_mask[negative_cell]])
        pair_target = torch.cat([torch.ones(len(batch)), torch.zeros(2 * len(batch))]).long()
        fused = parts.text_bert(pair_text, pair_text_mask, pair_cell, pair_cell_mask)
        ctm = F.cross_entropy(parts.ctm_head(fused[:, 0]), pair_target)

        loss = contrastive + zero_shot + ctm
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        schedule.step()
        if step % 25 == 0 or step == args.steps:
            history = {"contrastive": float(contrastive), "zeroShot": float(zero_shot), "ctm": float(ctm)}
            log(f"step {step}/{args.steps}  contrastive {history['contrastive']:.3f}  zero-shot {history['zeroShot']:.3f}  "
                f"ctm {history['ctm']:.3f}  ({time.time() - started:.0f}s)")
    for m in parts.modules().values():
        m.eval()
    return {"finalLoss": history, "seconds": round(time.time() - started, 1)}


# ------------------------------------------------------------------------------------------------
# Evaluation on held-out cells and phrasings

@torch.no_grad()
def embed_cells(parts: LangCellParts, tokens, batch: int = 32):
    embeddings, hidden = [], []
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    for start in range(0, len(order), batch):
        rows = order[start:start + batch]
        ids, mask = pad([tokens[i] for i in rows], 0, 2048)
        emb, h = parts.cell_forward(ids, mask)
        for k, i in enumerate(rows):
            embeddings.append((i, emb[k]))
            hidden.append((i, h[k, : len(tokens[i])]))
    embeddings.sort(key=lambda x: x[0])
    hidden.sort(key=lambda x: x[0])
    return torch.stack([e for _, e in embeddings]), [h for _, h in hidden]


@torch.no_grad()
def embed_texts(parts: LangCellParts, texts: Sequence[Sequence[int]]) -> torch.Tensor:
    ids, mask = pad(texts, 0, 512)
    return parts.text_embedding(ids, mask)


@torch.no_grad()
def evaluate(parts: LangCellParts, test_tokens, test_labels, prompts, phrasings, alpha: float, top_m: int, log):
    cell_emb, cell_hidden = embed_cells(parts, test_tokens)
    prompt_emb = embed_texts(parts, prompts)
    similarity = cell_emb @ prompt_emb.T
    zero_shot = torch.softmax(similarity / TEMPERATURE, dim=1)
    labels = torch.tensor(test_labels)
    zs_pred = zero_shot.argmax(1)

    # CTM on every (cell, label) pair, LangCell's way, and on the top-m only (unscored = p 0).
    k = len(prompts)
    p_match = torch.zeros(len(test_tokens), k)
    text_ids, text_mask = pad(prompts, 0, 512)
    for i, h in enumerate(cell_hidden):
        hidden = h.unsqueeze(0).expand(k, -1, -1)
        mask = torch.ones(k, h.shape[0], dtype=torch.long)
        p_match[i] = parts.ctm_pairs(text_ids, text_mask, hidden, mask)
    fused_all = alpha * zero_shot + (1 - alpha) * torch.softmax(p_match, dim=1)
    top = similarity.topk(top_m, dim=1).indices
    scored = torch.zeros_like(p_match).scatter(1, top, p_match.gather(1, top))
    fused_top = alpha * zero_shot + (1 - alpha) * torch.softmax(scored, dim=1)

    def accuracy(pred):
        return float((pred == labels).float().mean())

    def macro_f1(pred):
        f1s = []
        for c in sorted(set(test_labels)):
            tp = int(((pred == c) & (labels == c)).sum())
            precision = tp / max(1, int((pred == c).sum()))
            recall = tp / max(1, int((labels == c).sum()))
            f1s.append(0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
        return float(np.mean(f1s))

    # Text → cell retrieval: precision@10 of each phrasing among the held-out cells.
    def precision_at_10(items):
        values = []
        for type_index, ids in items:
            query = embed_texts(parts, [ids])[0]
            hits = (cell_emb @ query).topk(10).indices
            values.append(float((labels[hits] == type_index).float().mean()))
        return float(np.mean(values)) if values else float("nan")

    metrics = {
        "testCells": len(test_tokens),
        "zeroShotAccuracy": round(accuracy(zs_pred), 4),
        "zeroShotMacroF1": round(macro_f1(zs_pred), 4),
        "fusedAccuracyAllPairs": round(accuracy(fused_all.argmax(1)), 4),
        "fusedAccuracyTopM": round(accuracy(fused_top.argmax(1)), 4),
        "fusedMacroF1TopM": round(macro_f1(fused_top.argmax(1)), 4),
        "topMAgreesWithAllPairs": round(float((fused_top.argmax(1) == fused_all.argmax(1)).float().mean()), 4),
        "ctmPositiveMeanPMatch": round(float(p_match.gather(1, labels[:, None]).mean()), 4),
        "textToCellPrecisionAt10": round(precision_at_10([(t, ids) for t, ids, _ in phrasings]), 4),
        "textToCellPrecisionAt10HeldOutPhrasings": round(precision_at_10([(t, ids) for t, ids, held in phrasings if held]), 4),
        "alpha": alpha,
        "topM": top_m,
    }
    for key, value in metrics.items():
        log(f"  {key}: {value}")
    return metrics


# ------------------------------------------------------------------------------------------------

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--atlas", required=True, help="directory written by seed/write-atlas.ts")
    parser.add_argument("--out", required=True, help="bundle directory to create (must not exist or be empty)")
    parser.add_argument("--name", default="langcell-demo")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=48, help="largest batch (short crops)")
    parser.add_argument("--min-batch", type=int, default=8, help="smallest batch (full-length cells)")
    parser.add_argument("--token-budget", type=int, default=4096, help="batch size x crop length per step")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=0.1)
    parser.add_argument("--top-m", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(args.threads)
    log = lambda message: print(message, flush=True)  # noqa: E731

    genes, cells, counts, label_specs, atlas_files = load_atlas(args.atlas)
    type_names = [spec["name"] for spec in label_specs]
    type_index = {name: i for i, name in enumerate(type_names)}
    cell_labels = np.array([type_index[c["label"]] for c in cells])
    split = np.array([c["split"] for c in cells])
    train_rows, test_rows = np.where(split == "train")[0], np.where(split == "test")[0]
    log(f"atlas: {len(cells)} cells ({len(train_rows)} train, {len(test_rows)} test), {len(genes)} genes, {len(type_names)} types")

    gene_vocab, medians, symbols = gene_vocabulary(genes, cells, counts, train_rows)
    column_tokens = np.array([gene_vocab.get(g["ensembl_id"], -1) if g["ensembl_id"] in medians else -1 for g in genes])
    column_medians = np.array([medians.get(g["ensembl_id"], np.nan) for g in genes])
    cls_id = gene_vocab[CLS_TOKEN]

    train_texts = []
    for spec in label_specs:
        train_texts.append(spec["prompt"])
        train_texts.extend(p["text"] for p in spec["phrasings"] if not p.get("heldOut"))
    text_vocab = text_vocabulary(train_texts)
    tokenizer = WordPieceTokenizer(text_vocab)
    type_texts = {
        i: [tokenizer.encode(spec["prompt"])] + [tokenizer.encode(p["text"]) for p in spec["phrasings"] if not p.get("heldOut")]
        for i, spec in enumerate(label_specs)
    }
    prompts = [tokenizer.encode(spec["prompt"]) for spec in label_specs]
    phrasings = [(i, tokenizer.encode(p["text"]), bool(p.get("heldOut"))) for i, spec in enumerate(label_specs) for p in spec["phrasings"]]
    log(f"vocabularies: {len(gene_vocab)} gene tokens, {len(text_vocab)} wordpieces")

    train_tokens = tokenize_cells(counts, train_rows, column_tokens, column_medians, cls_id, 2048)
    test_tokens = tokenize_cells(counts, test_rows, column_tokens, column_medians, cls_id, 2048)
    lengths = [len(t) for t in train_tokens]
    log(f"cell lengths: median {int(np.median(lengths))}, range {min(lengths)}-{max(lengths)}")

    parts = LangCellParts.from_configs(
        cell_config(args.hidden, args.layers, args.heads, 2 * args.hidden, len(gene_vocab)),
        text_config(args.hidden, args.layers, args.heads, 2 * args.hidden, len(text_vocab), encoder_width=args.hidden),
    )
    summary = train(parts, train_tokens, cell_labels[train_rows].tolist(), type_texts, args, log)
    log("held-out evaluation:")
    metrics = evaluate(parts, test_tokens, cell_labels[test_rows].tolist(), prompts, phrasings, args.alpha, args.top_m, log)

    training = {
        "script": "tools/model/train_demo.py",
        "atlas": "seed/atlas.ts (deterministic, seed in seed/atlas.ts)",
        # The sha256 of every atlas file trained on: a test regenerates the atlas and compares, so a
        # changed generator cannot silently leave a stale model behind.
        "atlasFiles": atlas_files,
        "seed": SEED,
        "steps": args.steps,
        "batch": [args.min_batch, args.batch],
        "tokenBudget": args.token_budget,
        "learningRate": args.lr,
        "lengthCurriculum": "32 → {32,64,128} → {64,128,256,whole cell}",
        "trainCells": int(len(train_rows)),
        **summary,
        "heldOut": metrics,
    }
    export_bundle(parts, gene_vocab, medians, symbols, text_vocab, args.out, args.name,
                  provenance={"kind": "trained", "source": "demo atlas (seed/), trained by tools/model/train_demo.py"},
                  training=training, alpha=args.alpha, log=log)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
