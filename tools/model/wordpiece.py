"""Reference uncased BERT WordPiece tokenizer, and the Hugging Face ``tokenizer.json`` for it.

This is an independent implementation of what LangCell's ``BertTokenizer`` (PubMedBERT, uncased)
does: BERT basic tokenization (clean control characters, normalise whitespace, space out CJK
characters, lower-case, NFD accent strip, split on punctuation) followed by greedy
longest-match-first WordPiece. The export uses it to compute the text ``input_ids`` in
``reference_outputs.json``, so the TypeScript tokenizer (which reads ``tokenizer.json``) is checked
against a second implementation rather than against itself.

Not covered (LangCell's label texts never contain them): special-token strings such as "[CLS]"
typed inside the text, and pair inputs.
"""

from __future__ import annotations

import unicodedata
from typing import Dict, List, Sequence

UNK, CLS, SEP, PAD, MASK = "[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"
REQUIRED_SPECIALS = (PAD, UNK, CLS, SEP)
CONTINUATION = "##"
MAX_CHARS_PER_WORD = 100
TEXT_MAX_LENGTH = 512


class VocabError(ValueError):
    pass


def read_vocab_file(path: str) -> List[str]:
    """One token per line, id = line number (as BERT's load_vocab: only the newline is stripped)."""
    with open(path, "r", encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def vocab_index(tokens: Sequence[str]) -> Dict[str, int]:
    index: Dict[str, int] = {}
    for i, token in enumerate(tokens):
        if token in index:
            raise VocabError(f"vocabulary lists {token!r} twice (ids {index[token]} and {i})")
        index[token] = i
    missing = [t for t in REQUIRED_SPECIALS if t not in index]
    if missing:
        raise VocabError(f"vocabulary lacks {', '.join(missing)}")
    return index


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    # BERT treats every non-alphanumeric ASCII character as punctuation ("$", "^", "`" included).
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _clean(text: str) -> str:
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        out.append(" " if _is_whitespace(ch) else ch)
    return "".join(out)


def _space_cjk(text: str) -> str:
    return "".join(f" {ch} " if _is_cjk(ord(ch)) else ch for ch in text)


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def _split_punctuation(word: str) -> List[str]:
    pieces: List[str] = []
    current = ""
    for ch in word:
        if _is_punctuation(ch):
            if current:
                pieces.append(current)
                current = ""
            pieces.append(ch)
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def basic_tokenize(text: str) -> List[str]:
    """BERT's BasicTokenizer with do_lower_case=True (which also strips accents)."""
    words = []
    for word in _space_cjk(_clean(text)).split():
        word = _strip_accents(word.lower())
        words.extend(_split_punctuation(word))
    return words


def wordpiece(word: str, vocab: Dict[str, int]) -> List[str]:
    """Greedy longest-match-first; a word with any unmatched remainder becomes one [UNK]."""
    if len(word) > MAX_CHARS_PER_WORD:
        return [UNK]
    pieces = []
    start = 0
    while start < len(word):
        end = len(word)
        match = None
        while start < end:
            candidate = word[start:end] if start == 0 else CONTINUATION + word[start:end]
            if candidate in vocab:
                match = candidate
                break
            end -= 1
        if match is None:
            return [UNK]
        pieces.append(match)
        start = end
    return pieces


class WordPieceTokenizer:
    def __init__(self, tokens: Sequence[str]):
        self.tokens = list(tokens)
        self.vocab = vocab_index(self.tokens)

    def tokenize(self, text: str) -> List[str]:
        return [piece for word in basic_tokenize(text) for piece in wordpiece(word, self.vocab)]

    def encode(self, text: str, max_length: int = TEXT_MAX_LENGTH) -> List[int]:
        """[CLS] pieces [SEP], truncated on the right to max_length (as truncation=True, max_length=512)."""
        ids = [self.vocab[p] for p in self.tokenize(text)][: max_length - 2]
        return [self.vocab[CLS]] + ids + [self.vocab[SEP]]


def tokenizer_json(tokens: Sequence[str], max_length: int = TEXT_MAX_LENGTH) -> dict:
    """Hugging Face ``tokenizers`` JSON for the uncased BERT WordPiece tokenizer over ``tokens``."""
    vocab = vocab_index(tokens)
    specials = [t for t in (PAD, UNK, CLS, SEP, MASK) if t in vocab]
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": 0},
        "padding": None,
        "added_tokens": [
            {"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for t in specials
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": CLS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": SEP, "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": CLS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": SEP, "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": SEP, "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in (CLS, SEP)},
        },
        "decoder": {"type": "WordPiece", "prefix": CONTINUATION, "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": UNK, "continuing_subword_prefix": CONTINUATION,
                  "max_input_chars_per_word": MAX_CHARS_PER_WORD, "vocab": vocab},
    }
