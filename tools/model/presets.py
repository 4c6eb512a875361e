"""Random-weight model presets and the synthetic vocabularies they need.

- ``tiny``: a few-layer model with made-up genes and a small WordPiece vocabulary, for tests.
- ``langcell``: LangCell's real sizes (Geneformer-12L cell encoder, PubMedBERT-base text encoder
  with cross-attention of width 512) to measure real cost; never committed (about 1 GB).
"""

from __future__ import annotations

import random
import string
from typing import Dict, List, Optional, Tuple

from .wordpiece import CLS, MASK, PAD, SEP, UNK

CELL_MAX_LENGTH = 2048
TEXT_MAX_LENGTH = 512


def cell_config(hidden: int, layers: int, heads: int, intermediate: int, vocab_size: int,
                initializer_range: float = 0.02) -> dict:
    """A Geneformer-style HF BertModel config."""
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": vocab_size, "hidden_size": hidden, "num_hidden_layers": layers,
        "num_attention_heads": heads, "intermediate_size": intermediate, "hidden_act": "relu",
        "max_position_embeddings": CELL_MAX_LENGTH, "type_vocab_size": 2, "pad_token_id": 0,
        "layer_norm_eps": 1e-12, "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.02, "attention_probs_dropout_prob": 0.02,
        "initializer_range": initializer_range,
    }


def text_config(hidden: int, layers: int, heads: int, intermediate: int, vocab_size: int, encoder_width: int,
                initializer_range: float = 0.02) -> dict:
    """A med.py-style BERT config with cross-attention in every layer."""
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": vocab_size, "hidden_size": hidden, "num_hidden_layers": layers,
        "num_attention_heads": heads, "intermediate_size": intermediate, "hidden_act": "gelu",
        "max_position_embeddings": TEXT_MAX_LENGTH, "type_vocab_size": 2, "pad_token_id": 0,
        "layer_norm_eps": 1e-12, "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "add_cross_attention": True, "encoder_width": encoder_width,
        "initializer_range": initializer_range,
    }


def fake_gene_ids(n: int) -> List[str]:
    # Ensembl-shaped (ENSG + 11 digits) but in a range Ensembl does not use, in lexicographic order
    # like Geneformer's dictionary.
    return [f"ENSG9{i:010d}" for i in range(n)]


def synthetic_gene_dicts(n_genes: int, seed: int) -> Tuple[Dict[str, int], Dict[str, float], Dict[str, str]]:
    """(token_dictionary without <cls>, medians, symbols) shaped like Geneformer's."""
    rng = random.Random(seed)
    genes = fake_gene_ids(n_genes)
    tokens = {"<pad>": 0, "<mask>": 1}
    tokens.update({g: i + 2 for i, g in enumerate(genes)})
    medians = {g: round(rng.lognormvariate(0.5, 1.0), 6) + 0.05 for g in genes}
    symbols = {f"FAKE{i}": g for i, g in enumerate(genes)}
    return tokens, medians, symbols


# Words the tiny WordPiece vocabulary knows whole, chosen so that LangCell-style label texts
# ("cell type: b cell. a lymphocyte ...; ") exercise whole words, continuations and [UNK].
_TINY_WORDS = ["cell", "type", "b", "t", "nk", "a", "of", "the", "that", "is", "and", "in", "lymph",
               "##ocyte", "##ocytes", "mono", "##cyte", "natural", "killer", "immune", "blood",
               "positive", "cd", "##14", "##4", "##8", "plasma", "lineage", "expresses", "naive"]


def tiny_text_vocab() -> List[str]:
    specials = [PAD, UNK, CLS, SEP, MASK]
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    continuations = ["##" + c for c in string.ascii_lowercase + string.digits]
    seen = set(specials + chars + continuations)
    words = [w for w in _TINY_WORDS if not (w in seen or seen.add(w))]
    return specials + chars + continuations + words


def synthetic_text_vocab(size: int, seed: int) -> List[str]:
    """A BERT-shaped vocabulary of ``size`` entries (specials first, as in PubMedBERT)."""
    base = tiny_text_vocab()
    rng = random.Random(seed)
    seen = set(base)
    tokens = list(base)
    letters = string.ascii_lowercase
    while len(tokens) < size:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
        if rng.random() < 0.3:
            word = "##" + word
        if word not in seen:
            seen.add(word)
            tokens.append(word)
    return tokens


PRESETS = ("tiny", "langcell")


def preset_configs(preset: str, gene_vocab_size: int, text_vocab_size: int) -> Tuple[dict, dict, bool]:
    """(cell config, text config, perturb) for a preset; perturb randomises biases/LayerNorms too."""
    if preset == "tiny":
        return (cell_config(32, 2, 2, 64, gene_vocab_size, initializer_range=0.2),
                text_config(48, 2, 2, 96, text_vocab_size, encoder_width=32, initializer_range=0.2),
                True)
    if preset == "langcell":
        # Geneformer-12L-30M vocab 25426 + <cls>; PubMedBERT-base has 30522 embedding rows.
        return (cell_config(512, 12, 8, 1024, max(gene_vocab_size, 25427)),
                text_config(768, 12, 12, 3072, max(text_vocab_size, 30522), encoder_width=512),
                False)
    raise ValueError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")


def preset_vocabularies(preset: str, seed: int, text_vocab: Optional[List[str]]):
    """Synthetic (token_dictionary, medians, symbols, text vocab) for a preset when none is given."""
    n_genes = 200 if preset == "tiny" else 25424
    tokens, medians, symbols = synthetic_gene_dicts(n_genes, seed)
    if text_vocab is None:
        text_vocab = tiny_text_vocab() if preset == "tiny" else synthetic_text_vocab(28895, seed)
    return tokens, medians, symbols, text_vocab
