#!/usr/bin/python3
"""Independent Python re-implementation of LangCell's cell tokenizer (verification only).

Follows LangCell @ 69e41ef `LangCellTranscriptomeTokenizer.tokenize_anndata` (utils.py:1003-1076,
an AnnData port of Geneformer 0.0.1 `TranscriptomeTokenizer`) + `create_dataset` + the collator,
as written down in shared/docs/langcell-model.md §1:

    n_counts  = X.sum(axis=1)                      # scipy, float32, over ALL genes of the matrix
    keep gene j  iff  ensembl_id[j] in gene_median_dictionary   (exact string match)
    v         = X[cell, kept] / n_counts * 10000 / median        # float32 ... then float64
    nonzero   = np.nonzero(v); order = argsort(-v[nonzero])
    input_ids = ([<cls>] + tokens[order][:2048])[:2048]          # <cls> = len(token_dictionary)

It reads files with h5py / scipy.io / gzip only (not with the project's TypeScript readers) and
writes one JSON line per cell: {"cell": id, "input_ids": [...]} (same format as
`src/cli/main.ts tokenize`). Tie order: the output uses a stable sort by (-v, file column) - the
TypeScript rule - and the tool counts the cells whose token sequence would differ under numpy's
default (unstable, introsort) `np.argsort(-v)` used by LangCell.

Needs numpy, h5py and scipy (Debian: python3-h5py python3-scipy). Not a project dependency.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys

import h5py
import numpy as np
import scipy.io
import scipy.sparse as sp

MAX_LEN = 2048
TARGET_SUM = 10_000


# ---------------------------------------------------------------- vocabulary

def load_vocab(vocab_dir: str):
    with open(os.path.join(vocab_dir, 'token_dictionary.json')) as fh:
        token_dict = json.load(fh)
    with open(os.path.join(vocab_dir, 'gene_median_dictionary.json')) as fh:
        median_dict = json.load(fh)
    symbols = {}
    path = os.path.join(vocab_dir, 'gene_name_id_dict.json')
    if os.path.exists(path):
        with open(path) as fh:
            symbols = json.load(fh)
    cls_id = len(token_dict)  # utils.py:43-44: token_dictionary['<cls>'] = len(token_dictionary)
    return token_dict, median_dict, symbols, cls_id


# ---------------------------------------------------------------- readers

def _strings(ds) -> list[str]:
    """h5py dataset of vlen or fixed-length strings -> list[str]."""
    values = ds[()]
    return [v.decode('utf-8') if isinstance(v, (bytes, np.bytes_)) else str(v) for v in values]


def _read_frame(node) -> tuple[list[str], dict[str, list[str]]]:
    """Index and string columns of an anndata dataframe (modern group or legacy compound dataset)."""
    columns: dict[str, list[str]] = {}
    if isinstance(node, h5py.Dataset):  # anndata <= 0.6: compound dataset with an 'index' field
        for name in node.dtype.names:
            if node.dtype[name].kind in ('S', 'O', 'U'):
                columns[name] = [v.decode('utf-8') if isinstance(v, bytes) else str(v) for v in node[name]]
        return columns.pop('index'), columns
    index_name = node.attrs.get('_index', '_index')
    if isinstance(index_name, bytes):
        index_name = index_name.decode()
    for name, child in node.items():
        if isinstance(child, h5py.Dataset) and child.dtype.kind in ('S', 'O'):
            columns[name] = _strings(child)
    index = columns.pop(index_name) if index_name in columns else _strings(node[index_name])
    return index, columns


def _read_matrix(node, shape_hint=None) -> sp.spmatrix | np.ndarray:
    if isinstance(node, h5py.Dataset):
        return node[()]  # dense cells x genes
    enc = node.attrs.get('encoding-type', node.attrs.get('h5sparse_format'))
    if isinstance(enc, bytes):
        enc = enc.decode()
    shape = node.attrs.get('shape', node.attrs.get('h5sparse_shape'))
    if isinstance(shape, (str, bytes)):
        shape = [int(s) for s in str(shape if isinstance(shape, str) else shape.decode()).strip('[]()').replace(',', ' ').split()]
    shape = tuple(int(s) for s in shape)
    data, indices, indptr = node['data'][()], node['indices'][()], node['indptr'][()]
    if enc in ('csr_matrix', 'csr'):
        return sp.csr_matrix((data, indices, indptr), shape=shape)
    if enc in ('csc_matrix', 'csc'):
        return sp.csc_matrix((data, indices, indptr), shape=shape)
    raise ValueError(f'unknown sparse encoding {enc!r}')


def read_h5ad(path: str, matrix: str):
    """Returns (X cells x genes, cell ids, gene index, gene columns, location)."""
    f = h5py.File(path, 'r')
    candidates = []  # same preference as LangCell users would pick raw counts: layers/counts, raw, X
    if 'layers' in f and 'counts' in f['layers']:
        candidates.append(('counts', 'layers/counts', 'var'))
    if 'raw' in f and isinstance(f['raw'], h5py.Group) and 'X' in f['raw']:
        candidates.append(('raw', 'raw/X', 'raw/var' if 'var' in f['raw'] else 'var'))
    elif 'raw.X' in f:
        candidates.append(('raw', 'raw.X', 'raw.var' if 'raw.var' in f else 'var'))
    if 'X' in f:
        candidates.append(('X', 'X', 'var'))
    chosen = candidates[0] if matrix == 'auto' else next(c for c in candidates if c[0] == matrix)
    X = _read_matrix(f[chosen[1]])
    cells, _ = _read_frame(f['obs'])
    genes, columns = _read_frame(f[chosen[2]])
    return X, cells, genes, columns, chosen[1]


def _open_text(path: str):
    return gzip.open(path, 'rt') if path.endswith('.gz') else open(path)


def _first(directory: str, names: list[str]) -> str:
    for name in names:
        for candidate in (name + '.gz', name):
            p = os.path.join(directory, candidate)
            if os.path.exists(p):
                return p
    raise FileNotFoundError(f'{directory}: none of {names}')


def read_10x_mtx(directory: str):
    mtx = _first(directory, ['matrix.mtx'])
    features = _first(directory, ['features.tsv', 'genes.tsv'])
    barcodes = _first(directory, ['barcodes.tsv'])
    with _open_text(mtx) as fh:
        m = scipy.io.mmread(fh)  # genes x cells
    # scanpy.read_10x_mtx yields float32 cells x genes; LangCell then works on that.
    X = sp.csr_matrix(m.T, dtype=np.float32)
    with _open_text(features) as fh:
        rows = [line.rstrip('\n').split('\t') for line in fh if line.strip()]
    with _open_text(barcodes) as fh:
        cells = [line.strip() for line in fh if line.strip()]
    genes = [r[0] for r in rows]
    columns = {'gene_symbols': [r[1] if len(r) > 1 else r[0] for r in rows]}
    assert X.shape == (len(cells), len(genes)), (X.shape, len(cells), len(genes))
    return X, cells, genes, columns, os.path.basename(mtx)


# ---------------------------------------------------------------- gene ids

def ensembl_ids(genes: list[str], columns: dict[str, list[str]], mode: str, symbols: dict[str, str]) -> tuple[list[str | None], str]:
    """Per file column the Ensembl id LangCell's `var['ensembl_id']` would hold."""
    if mode == 'index':
        return list(genes), 'var index'
    if mode.startswith('column:'):
        name = mode.split(':', 1)[1]
        return list(columns[name]), f'column {name}'
    if mode == 'symbols':  # index holds symbols: map them through Geneformer's gene_name_id_dict
        return [symbols.get(g) for g in genes], 'var index via gene_name_id_dict'
    assert mode == 'auto'
    def share(ids):
        return sum(1 for i in ids if i.startswith('ENSG')) / max(1, len(ids))
    if share(genes) >= 0.5:
        return list(genes), 'var index'
    for name in ('gene_ids', 'feature_id', 'ensembl_id', 'gene_id'):
        if name in columns and share(columns[name]) >= 0.5:
            return list(columns[name]), f'column {name}'
    return [symbols.get(g) for g in genes], 'var index via gene_name_id_dict'


# ---------------------------------------------------------------- tokenizer

def tokenize(X, ids: list[str | None], token_dict, median_dict, cls_id: int, stats: dict):
    # preprocess.py: data.obs['n_counts'] = data.X.sum(axis=1) on the matrix as stored (CSR, CSC or
    # dense); scipy/numpy keep float32 for a float32 X.
    n_counts = np.asarray(X.sum(axis=1)).reshape(-1)
    X = sp.csr_matrix(X) if not isinstance(X, np.ndarray) else X
    # utils.py:1015-1027: keep columns whose Ensembl id is a key of gene_median_dictionary
    kept = np.array([j for j, g in enumerate(ids) if g is not None and g in median_dict], dtype=np.int64)
    medians = np.array([median_dict[ids[j]] for j in kept], dtype=np.float64)
    tokens = np.array([token_dict[ids[j]] for j in kept], dtype=np.int64)
    stats.update(cells=X.shape[0], genes=X.shape[1], kept_genes=len(kept), n_counts_dtype=str(n_counts.dtype),
                 cells_with_ties=0, cells_numpy_order_differs=0, cells_numpy_order_differs_in_output=0,
                 zero_count_cells=0, truncated_cells=0)
    out = []
    for i in range(X.shape[0]):
        row = X[i] if isinstance(X, np.ndarray) else X.getrow(i).toarray()[0]
        x = row[kept]  # float32 (the stored dtype)
        n = n_counts[i:i + 1]
        if n[0] == 0:
            # LangCell literally computes 0/0 = NaN here, and np.nonzero(NaN) is True, so it would emit
            # every kept gene in arbitrary order. We follow the spec's rule instead: [<cls>] only.
            stats['zero_count_cells'] += 1
            out.append([cls_id])
            continue
        v = x / n * TARGET_SUM / medians  # float32 / float32 * int -> float32; / float64 -> float64
        nz = np.nonzero(v)[0]
        vv = v[nz]
        stable = nz[np.argsort(-vv, kind='stable')]  # == sort by (-v, column index)
        numpy_default = nz[np.argsort(-vv)]          # what LangCell runs (quicksort/introsort)
        if len(np.unique(vv)) != len(vv):
            stats['cells_with_ties'] += 1
        a, b = tokens[stable], tokens[numpy_default]
        if not np.array_equal(a, b):
            stats['cells_numpy_order_differs'] += 1
            if not np.array_equal(a[:MAX_LEN - 1], b[:MAX_LEN - 1]):
                stats['cells_numpy_order_differs_in_output'] += 1
        if len(a) > MAX_LEN - 1:
            stats['truncated_cells'] += 1
        ids_out = a[:MAX_LEN].tolist()             # create_dataset: input_ids[0:2048]
        out.append(([cls_id] + ids_out)[:MAX_LEN])  # collator: ([cls] + ids)[:2048]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('file', help='.h5ad file or 10x MTX directory')
    ap.add_argument('--vocab', required=True, help='folder with token_dictionary.json, gene_median_dictionary.json')
    ap.add_argument('--out', required=True)
    ap.add_argument('--matrix', default='auto', choices=['auto', 'counts', 'raw', 'X'])
    ap.add_argument('--genes', default='auto', help="auto | index | column:NAME | symbols")
    ap.add_argument('--expm1', action='store_true', help='values are log1p(normalized): undo with expm1 (float64 then float32)')
    ap.add_argument('--stats', help='write tie/truncation statistics to this JSON file')
    args = ap.parse_args(argv)

    token_dict, median_dict, symbols, cls_id = load_vocab(args.vocab)
    if os.path.isdir(args.file):
        X, cells, genes, columns, where = read_10x_mtx(args.file)
    else:
        X, cells, genes, columns, where = read_h5ad(args.file, args.matrix)
    if args.expm1:
        X = X.copy()
        if isinstance(X, np.ndarray):
            X = np.expm1(X.astype(np.float64)).astype(np.float32)
        else:
            X.data = np.expm1(X.data.astype(np.float64)).astype(np.float32)
    ids, source = ensembl_ids(genes, columns, args.genes, symbols)
    stats: dict = {'file': args.file, 'matrix': where, 'gene_source': source, 'dtype': str(X.dtype)}
    tokenized = tokenize(X, ids, token_dict, median_dict, cls_id, stats)
    with open(args.out, 'w') as fh:
        for cell, input_ids in zip(cells, tokenized):
            fh.write(json.dumps({'cell': cell, 'input_ids': input_ids}, separators=(',', ':')) + '\n')
    print(json.dumps(stats), file=sys.stderr)
    if args.stats:
        with open(args.stats, 'w') as fh:
            json.dump(stats, fh, indent=1)


if __name__ == '__main__':
    main()
