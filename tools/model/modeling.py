"""LangCell's five modules as plain PyTorch, with state_dict names equal to the published checkpoint.

- ``CellBert``: the stock Hugging Face ``BertModel`` layout (Geneformer-style cell encoder), no pooler.
- ``TextBert``: the BLIP ``med.py``-style ``BertModel`` LangCell ships in ``utils.py``: no token-type
  embeddings, and a cross-attention block in every layer that is used only in multimodal (CTM) mode.
- ``cell_proj`` / ``text_proj`` / ``ctm_head``: plain ``nn.Linear`` modules.

Every class is built from a Hugging Face style config dict (the contents of ``config.json``), so a
training script can build small models in memory and a checkpoint loads with its own configs.
The forward passes are written for arbitrary leading batch dimensions so that the all-pairs CTM
export (``export.CTMAllPairs``) reuses exactly the same attention code by broadcasting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

# LangCell's text encoder builds its self-attention mask with -10000 (med.py), while HF BertModel
# (cell encoder) and HF invert_attention_mask (cross-attention) use the dtype's minimum.
TEXT_SELF_MASK_VALUE = -10000.0
FLOAT32_MIN = torch.finfo(torch.float32).min

EMBEDDING_DIM = 256  # LangCell's projection size for cell_proj / text_proj


def _gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


# Names as Hugging Face's ACT2FN spells them; "gelu" is the exact (erf) GELU.
ACTIVATIONS = {
    "relu": F.relu,
    "gelu": F.gelu,
    "gelu_new": _gelu_tanh,
    "gelu_pytorch_tanh": _gelu_tanh,
}


class ConfigError(ValueError):
    """A config.json that these modules cannot represent faithfully."""


@dataclass(frozen=True)
class BertDims:
    """The fields of a Hugging Face BERT config.json that the modules depend on."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    hidden_act: str
    layer_norm_eps: float
    type_vocab_size: int
    add_cross_attention: bool
    encoder_width: Optional[int]
    initializer_range: float
    # Dropout matters only in training (tools/model fewshot / finetune keep LangCell's .train() mode);
    # it is the identity in eval mode, so exported graphs do not contain it.
    hidden_dropout_prob: float = 0.0
    attention_probs_dropout_prob: float = 0.0

    @staticmethod
    def from_config(config: Mapping[str, Any], where: str) -> "BertDims":
        required = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                    "intermediate_size", "max_position_embeddings"]
        missing = [k for k in required if k not in config]
        if missing:
            raise ConfigError(f"{where}: config is missing {', '.join(missing)}")
        act = config.get("hidden_act", "gelu")
        if act not in ACTIVATIONS:
            raise ConfigError(f"{where}: hidden_act {act!r} is not supported (known: {', '.join(ACTIVATIONS)})")
        # Relative position types add a distance embedding this port does not implement.
        pos_type = config.get("position_embedding_type", "absolute")
        if pos_type != "absolute":
            raise ConfigError(f"{where}: position_embedding_type {pos_type!r} is not supported (only 'absolute')")
        if config["hidden_size"] % config["num_attention_heads"] != 0:
            raise ConfigError(f"{where}: hidden_size {config['hidden_size']} is not a multiple of "
                              f"num_attention_heads {config['num_attention_heads']}")
        add_cross = bool(config.get("add_cross_attention", False))
        return BertDims(
            vocab_size=int(config["vocab_size"]),
            hidden_size=int(config["hidden_size"]),
            num_hidden_layers=int(config["num_hidden_layers"]),
            num_attention_heads=int(config["num_attention_heads"]),
            intermediate_size=int(config["intermediate_size"]),
            max_position_embeddings=int(config["max_position_embeddings"]),
            hidden_act=act,
            layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
            type_vocab_size=int(config.get("type_vocab_size", 2)),
            add_cross_attention=add_cross,
            encoder_width=int(config.get("encoder_width", config["hidden_size"])) if add_cross else None,
            initializer_range=float(config.get("initializer_range", 0.02)),
            hidden_dropout_prob=float(config.get("hidden_dropout_prob", 0.1)),
            attention_probs_dropout_prob=float(config.get("attention_probs_dropout_prob", 0.1)),
        )


def split_heads(x: torch.Tensor, heads: int, head_dim: int) -> torch.Tensor:
    """[..., S, heads*head_dim] -> [..., heads, S, head_dim] for any number of leading dims."""
    return x.reshape(x.shape[:-1] + (heads, head_dim)).transpose(-2, -3)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """[..., heads, S, d] -> [..., S, heads*d]."""
    x = x.transpose(-2, -3)
    return x.reshape(x.shape[:-2] + (-1,))


def scaled_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, additive_mask: torch.Tensor,
                     divisor: float, dropout: Optional[nn.Module] = None) -> torch.Tensor:
    """Softmax attention on head-split tensors; leading dims and the mask broadcast (numpy rules)."""
    scores = torch.matmul(q, k.transpose(-1, -2)) / divisor
    probs = torch.softmax(scores + additive_mask, dim=-1)
    if dropout is not None:
        probs = dropout(probs)  # HF BERT drops attention probabilities in training
    return torch.matmul(probs, v)


class SelfAttentionProjections(nn.Module):
    """``attention.self`` / ``crossattention.self``: query from the stream, key/value from ``kv_width`` inputs."""

    def __init__(self, hidden: int, heads: int, kv_width: int, dropout: float = 0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.heads = heads
        self.head_dim = hidden // heads
        self.score_divisor = math.sqrt(self.head_dim)  # BERT divides the scores by sqrt(head_dim)
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(kv_width, hidden)
        self.value = nn.Linear(kv_width, hidden)

    def keys_values(self, kv_states: torch.Tensor):
        return (split_heads(self.key(kv_states), self.heads, self.head_dim),
                split_heads(self.value(kv_states), self.heads, self.head_dim))


class AddNorm(nn.Module):
    """``attention.output`` / ``output``: dense, dropout, residual add, LayerNorm (dropout is identity at inference)."""

    def __init__(self, in_features: int, hidden: int, eps: float, dropout: float = 0.0):
        super().__init__()
        self.dense = nn.Linear(in_features, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class AttentionBlock(nn.Module):
    """``attention`` or ``crossattention``: projections (``self``) followed by ``output``."""

    def __init__(self, hidden: int, heads: int, kv_width: int, eps: float, hidden_dropout: float = 0.0,
                 attention_dropout: float = 0.0):
        super().__init__()
        self.self = SelfAttentionProjections(hidden, heads, kv_width, attention_dropout)
        self.output = AddNorm(hidden, hidden, eps, hidden_dropout)

    def forward_with_kv(self, hidden: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                        additive_mask: torch.Tensor) -> torch.Tensor:
        """Attend with precomputed head-split keys/values (lets CTM project a cell's K/V once)."""
        attn = self.self
        q = split_heads(attn.query(hidden), attn.heads, attn.head_dim)
        context = merge_heads(scaled_attention(q, keys, values, additive_mask, attn.score_divisor,
                                               attn.dropout if self.training else None))
        return self.output(context, hidden)

    def forward(self, hidden: torch.Tensor, kv_states: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        keys, values = self.self.keys_values(kv_states)
        return self.forward_with_kv(hidden, keys, values, additive_mask)


class Intermediate(nn.Module):
    def __init__(self, hidden: int, intermediate: int, act: str):
        super().__init__()
        self.dense = nn.Linear(hidden, intermediate)
        self.act = ACTIVATIONS[act]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.dense(x))


class BertLayer(nn.Module):
    """One encoder layer; ``crossattention`` exists only when the config asks for it (text side)."""

    def __init__(self, dims: BertDims):
        super().__init__()
        h, eps = dims.hidden_size, dims.layer_norm_eps
        drop = (dims.hidden_dropout_prob, dims.attention_probs_dropout_prob)
        self.attention = AttentionBlock(h, dims.num_attention_heads, h, eps, *drop)
        if dims.add_cross_attention:
            self.crossattention = AttentionBlock(h, dims.num_attention_heads, dims.encoder_width, eps, *drop)
        self.intermediate = Intermediate(h, dims.intermediate_size, dims.hidden_act)
        self.output = AddNorm(dims.intermediate_size, h, eps, dims.hidden_dropout_prob)

    def feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.intermediate(x), x)


class Encoder(nn.Module):
    def __init__(self, dims: BertDims):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(dims) for _ in range(dims.num_hidden_layers)])


class CellEmbeddings(nn.Module):
    def __init__(self, dims: BertDims):
        super().__init__()
        h = dims.hidden_size
        self.word_embeddings = nn.Embedding(dims.vocab_size, h)
        self.position_embeddings = nn.Embedding(dims.max_position_embeddings, h)
        self.token_type_embeddings = nn.Embedding(dims.type_vocab_size, h)
        self.LayerNorm = nn.LayerNorm(h, eps=dims.layer_norm_eps)
        self.dropout = nn.Dropout(dims.hidden_dropout_prob)
        # Not persistent: some checkpoints carry it, ours do not need to (see checkpoint.TOLERATED_KEYS).
        self.register_buffer("position_ids", torch.arange(dims.max_position_embeddings).unsqueeze(0), persistent=False)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = self.position_ids[:, : input_ids.shape[1]]
        # LangCell passes no token_type_ids, so HF adds token type 0 at every position.
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        return self.dropout(self.LayerNorm(x))


class TextEmbeddings(nn.Module):
    """med.py embeddings: word + absolute position, no token types."""

    def __init__(self, dims: BertDims):
        super().__init__()
        h = dims.hidden_size
        self.word_embeddings = nn.Embedding(dims.vocab_size, h)
        self.position_embeddings = nn.Embedding(dims.max_position_embeddings, h)
        self.LayerNorm = nn.LayerNorm(h, eps=dims.layer_norm_eps)
        self.dropout = nn.Dropout(dims.hidden_dropout_prob)
        self.register_buffer("position_ids", torch.arange(dims.max_position_embeddings).unsqueeze(0), persistent=False)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = self.position_ids[:, : input_ids.shape[1]]
        return self.dropout(self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(positions)))


def cell_mask_bias(mask: torch.Tensor) -> torch.Tensor:
    """HF extended / inverted mask: [N, L] -> additive [N, 1, 1, L] with finfo(float32).min on padding."""
    return (1.0 - mask[:, None, None, :].to(torch.float32)) * FLOAT32_MIN


def text_mask_bias(mask: torch.Tensor) -> torch.Tensor:
    """med.py mask: [T, S] -> additive [T, 1, 1, S] with -10000 on padding."""
    return (1.0 - mask[:, None, None, :].to(torch.float32)) * TEXT_SELF_MASK_VALUE


def init_weights(module: nn.Module, std: float, perturb: bool = False) -> None:
    """Hugging Face's BERT initialisation; ``perturb`` also randomises biases and LayerNorms so that
    tests exercise every parameter (a zero bias would hide a bias that is never applied)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, std)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.normal_(m.bias, 0.0, 0.1) if perturb else nn.init.zeros_(m.bias)
        if isinstance(m, nn.LayerNorm):
            if perturb:
                nn.init.normal_(m.weight, 1.0, 0.1)
                nn.init.normal_(m.bias, 0.0, 0.1)
            else:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)


class CellBert(nn.Module):
    """The cell encoder (``cell_bert/``): HF BertModel without pooler. forward -> last_hidden_state."""

    def __init__(self, config: Mapping[str, Any]):
        super().__init__()
        self.config = dict(config)
        self.dims = BertDims.from_config(config, "cell_bert")
        if self.dims.add_cross_attention:
            raise ConfigError("cell_bert: add_cross_attention is true, but LangCell's cell encoder has no cross-attention")
        self.embeddings = CellEmbeddings(self.dims)
        self.encoder = Encoder(self.dims)
        init_weights(self, self.dims.initializer_range)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        bias = cell_mask_bias(attention_mask)
        h = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            h = layer.feed_forward(layer.attention(h, h, bias))
        return h


class TextBert(nn.Module):
    """The text encoder (``text_bert/``), med.py style.

    ``forward(ids, mask)`` is LangCell's ``mode='text'``; with ``cell_hidden``/``cell_mask`` it is
    ``mode='multimodal'`` (each text row attends to the cell row with the same index)."""

    def __init__(self, config: Mapping[str, Any]):
        super().__init__()
        self.config = dict(config)
        self.dims = BertDims.from_config(config, "text_bert")
        self.embeddings = TextEmbeddings(self.dims)
        self.encoder = Encoder(self.dims)
        init_weights(self, self.dims.initializer_range)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                cell_hidden: Optional[torch.Tensor] = None, cell_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        multimodal = cell_hidden is not None
        if multimodal and not self.dims.add_cross_attention:
            raise ConfigError("text_bert: multimodal mode needs add_cross_attention: true in its config")
        self_bias = text_mask_bias(attention_mask)
        cross_bias = cell_mask_bias(cell_mask) if multimodal else None
        h = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            h = layer.attention(h, h, self_bias)
            if multimodal:
                h = layer.crossattention(h, cell_hidden, cross_bias)
            h = layer.feed_forward(h)
        return h


def disable_dropout(parts: "LangCellParts") -> None:
    """Sets every dropout probability to 0 (training without dropout, as the demo recipe does)."""
    for module in parts.modules().values():
        for m in module.modules():
            if isinstance(m, nn.Dropout):
                m.p = 0.0


def linear_head(in_features: int, out_features: int, std: float = 0.02) -> nn.Linear:
    head = nn.Linear(in_features, out_features)
    init_weights(head, std)
    return head


@dataclass
class LangCellParts:
    """The five modules of a LangCell model, as the checkpoint stores them."""

    cell_bert: CellBert
    cell_proj: nn.Linear
    text_bert: TextBert
    text_proj: nn.Linear
    ctm_head: nn.Linear

    @staticmethod
    def from_configs(cell_config: Mapping[str, Any], text_config: Mapping[str, Any],
                     embedding_dim: int = EMBEDDING_DIM) -> "LangCellParts":
        """Randomly initialised modules (HF init) for the two configs."""
        cell_bert = CellBert(cell_config)
        text_bert = TextBert(text_config)
        parts = LangCellParts(
            cell_bert=cell_bert,
            cell_proj=linear_head(cell_bert.dims.hidden_size, embedding_dim),
            text_bert=text_bert,
            text_proj=linear_head(text_bert.dims.hidden_size, embedding_dim),
            ctm_head=linear_head(text_bert.dims.hidden_size, 2),
        )
        parts.check_compatible()
        return parts

    def modules(self) -> Dict[str, nn.Module]:
        return {"cell_bert": self.cell_bert, "cell_proj": self.cell_proj, "text_bert": self.text_bert,
                "text_proj": self.text_proj, "ctm_head": self.ctm_head}

    def eval(self) -> "LangCellParts":
        for m in self.modules().values():
            m.eval()
        return self

    @property
    def embedding_dim(self) -> int:
        return self.cell_proj.out_features

    def check_compatible(self) -> None:
        cell, text = self.cell_bert.dims, self.text_bert.dims
        if not text.add_cross_attention:
            raise ConfigError("text_bert: add_cross_attention must be true (CTM needs the cross-attention blocks)")
        if text.encoder_width != cell.hidden_size:
            raise ConfigError(f"text_bert: encoder_width {text.encoder_width} must equal cell_bert hidden_size "
                              f"{cell.hidden_size} (cross-attention keys/values read the cell hidden states)")
        if self.cell_proj.out_features != self.text_proj.out_features:
            raise ConfigError(f"cell_proj has {self.cell_proj.out_features} outputs but text_proj has "
                              f"{self.text_proj.out_features}; both embed into one space")
        if self.ctm_head.out_features != 2:
            raise ConfigError(f"ctm_head must have 2 outputs, has {self.ctm_head.out_features}")

    # Plain reference computations (per item, no export tricks); the export tests compare against these.

    @torch.no_grad()
    def cell_forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        """-> (cell_embedding [B, D], last_hidden_state [B, L, Hc])."""
        h = self.cell_bert(input_ids, attention_mask)
        return F.normalize(self.cell_proj(h[:, 0]), dim=-1), h

    @torch.no_grad()
    def text_embedding(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.text_bert(input_ids, attention_mask)
        return F.normalize(self.text_proj(h[:, 0]), dim=-1)

    @torch.no_grad()
    def ctm_pairs(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                  cell_hidden: torch.Tensor, cell_mask: torch.Tensor) -> torch.Tensor:
        """LangCell's ``ctm``: row i of the texts against row i of the cells -> p_match [N]."""
        h = self.text_bert(input_ids, attention_mask, cell_hidden, cell_mask)
        return torch.softmax(self.ctm_head(h[:, 0]), dim=-1)[:, 1]
