"""Refusals of ``fewshot`` / ``finetune``: a stable code (what scripts and tests match on) plus a
message that says what was wrong and what to do."""

from __future__ import annotations

# code -> when it is raised
CODES = {
    "TOO_FEW_CELLS": "a class has fewer labelled cells than the requested n (plus validation cells)",
    "LABEL_NOT_IN_LABELS_FILE": "a value of the label column is neither a label name nor mapped to one",
    "VOCABULARY_MISMATCH": "the input's tokens do not fit the model's cell vocabulary",
    "LABEL_COLUMN_MISSING": "the label column is not in the input",
    "BASE_BUNDLE_UNREADABLE": "the base bundle cannot be read back into PyTorch modules faithfully",
    "BASE_INCOMPLETE": "a checkpoint base without its vocabularies",
    "TOKENIZE_FAILED": "the TypeScript tokenizer refused the input file",
    "INVALID_ARGUMENT": "an option value out of range",
}


class AdaptError(ValueError):
    def __init__(self, code: str, message: str):
        if code not in CODES:
            raise ValueError(f"unknown refusal code {code}")
        super().__init__(f"[{code}] {message}")
        self.code = code
