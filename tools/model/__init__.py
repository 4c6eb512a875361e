"""LangCell checkpoint -> ONNX bundle export (``langcell-onnx/1``, see docs/bundle-format.md).

Public API (used by the CLI and by the demo training script):
- ``LangCellParts.from_configs(cell_config, text_config)`` -- the five modules, randomly initialised;
- ``load_checkpoint(dir)`` -- the same modules with the published checkpoint's weights;
- ``build_gene_vocab(token_dictionary)`` -- Geneformer's dictionary plus ``<cls>`` as LangCell adds it;
- ``export_bundle(parts, gene_vocab, gene_medians, gene_symbols, text_vocab, out_dir, name, provenance, ...)``.
"""

from .checkpoint import CheckpointError, build_gene_vocab, load_checkpoint, read_gene_dicts
from .export import ExportError, export_bundle
from .modeling import CellBert, LangCellParts, TextBert
from .wordpiece import WordPieceTokenizer, read_vocab_file

__all__ = ["CheckpointError", "ExportError", "CellBert", "TextBert", "LangCellParts", "WordPieceTokenizer",
           "build_gene_vocab", "export_bundle", "load_checkpoint", "read_gene_dicts", "read_vocab_file"]
