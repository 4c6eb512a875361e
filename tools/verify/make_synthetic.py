#!/usr/bin/python3
"""Writes synthetic inputs that exercise LangCell's truncation and tie rules (verification only).

Usage: make_synthetic.py OUT_DIR --vocab DIR [--seed 7]

Writes (all hold the same integer counts, cells x genes, Ensembl var index, shuffled column order):
  synthetic.csr.h5ad        X = CSR float32   (anndata 0.8 layout, written with h5py)
  synthetic.csc.h5ad        X = CSC float32
  synthetic.dense.h5ad      X = dense float32
  synthetic.int32.csr.h5ad  X = CSR int32: LangCell's numpy then computes x/n*1e4/median all in float64
  mtx/                      10x v3 (matrix.mtx.gz, features.tsv.gz, barcodes.tsv.gz) with extra zero-count
                            cells (first, middle, last barcode)
Cells (see CELLS below): >2047 expressed vocabulary genes, exactly 2046/2047/2048, a zero-count cell,
a cell with only out-of-vocabulary genes, exact ties (genes with equal medians and equal counts, medians
that differ by a power of two with counts scaled alike, a duplicated gene column), a tie straddling the
2047-gene cut, pairs whose order flips between float32 and float64 evaluation, very large counts.
"""
import argparse
import gzip
import json
import math
import os
from collections import defaultdict

import h5py
import numpy as np
import scipy.sparse as sp

STR = h5py.string_dtype('utf-8')


def write_df(group, index, columns=None):
    group.attrs['_index'] = '_index'
    group.attrs['column-order'] = np.array(list(columns or {}), dtype=object) if columns else np.array([], dtype='float64')
    group.attrs['encoding-type'] = 'dataframe'
    group.attrs['encoding-version'] = '0.2.0'
    for name, values in [('_index', index)] + list((columns or {}).items()):
        ds = group.create_dataset(name, data=np.array(values, dtype=object), dtype=STR)
        ds.attrs['encoding-type'] = 'string-array'
        ds.attrs['encoding-version'] = '0.2.0'


def write_h5ad(path, X, cells, genes, symbols):
    with h5py.File(path, 'w') as f:
        f.attrs['encoding-type'] = 'anndata'
        f.attrs['encoding-version'] = '0.1.0'
        if isinstance(X, np.ndarray):
            ds = f.create_dataset('X', data=X)
            ds.attrs['encoding-type'] = 'array'
            ds.attrs['encoding-version'] = '0.2.0'
        else:
            g = f.create_group('X')
            g.attrs['encoding-type'] = 'csr_matrix' if X.format == 'csr' else 'csc_matrix'
            g.attrs['encoding-version'] = '0.1.0'
            g.attrs['shape'] = np.array(X.shape, dtype=np.int64)
            g.create_dataset('data', data=X.data)
            g.create_dataset('indices', data=X.indices.astype(np.int32))
            g.create_dataset('indptr', data=X.indptr.astype(np.int32))
        write_df(f.create_group('obs'), cells)
        write_df(f.create_group('var'), genes, {'gene_symbols': symbols})
        for name in ('layers', 'obsm', 'obsp', 'uns', 'varm', 'varp'):
            g = f.create_group(name)
            g.attrs['encoding-type'] = 'dict'
            g.attrs['encoding-version'] = '0.1.0'


def write_mtx(directory, X, cells, genes, symbols):
    os.makedirs(directory, exist_ok=True)
    coo = sp.coo_matrix(X.T)  # genes x cells
    order = np.lexsort((coo.row, coo.col))
    with gzip.open(os.path.join(directory, 'matrix.mtx.gz'), 'wt') as fh:
        fh.write('%%MatrixMarket matrix coordinate integer general\n')
        fh.write('%metadata_json: {"format_version": 2, "software_version": "synthetic"}\n')
        fh.write(f'{X.shape[1]} {X.shape[0]} {coo.nnz}\n')
        for k in order:
            fh.write(f'{coo.row[k] + 1} {coo.col[k] + 1} {int(coo.data[k])}\n')
    with gzip.open(os.path.join(directory, 'features.tsv.gz'), 'wt') as fh:
        for g, s in zip(genes, symbols):
            fh.write(f'{g}\t{s}\tGene Expression\n')
    with gzip.open(os.path.join(directory, 'barcodes.tsv.gz'), 'wt') as fh:
        for c in cells:
            fh.write(c + '\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--vocab', required=True)
    ap.add_argument('--seed', type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    medians = json.load(open(os.path.join(args.vocab, 'gene_median_dictionary.json')))
    vocab = list(medians)

    # genes with exactly equal medians, and medians equal up to a power of two
    by_value, by_mantissa = defaultdict(list), defaultdict(list)
    for g, m in medians.items():
        by_value[m].append(g)
        by_mantissa[math.frexp(m)[0]].append(g)
    equal_pairs = [gs for gs in by_value.values() if len(gs) > 1]
    pow2_groups = [gs for gs in by_mantissa.values() if len({medians[g] for g in gs}) > 1]

    special = sorted({g for gs in equal_pairs + pow2_groups for g in gs})  # sorted: set order varies per run
    special_set = set(special)
    others = [g for g in vocab if g not in special_set]
    chosen = list(special) + list(rng.choice(others, size=3200 - len(special), replace=False))
    oov = ['ERCC-00002', 'ENSG00000999991', 'ENSG00000999992', 'NOT_A_GENE']
    dup = chosen[len(special) + 5]  # a vocabulary gene that appears twice in var
    genes = chosen + oov + [dup]
    rng.shuffle(genes)
    col = {}
    for j, g in enumerate(genes):
        col.setdefault(g, j)
    dup_cols = [j for j, g in enumerate(genes) if g == dup]
    vocab_cols = [col[g] for g in chosen]
    oov_cols = [col[g] for g in oov]
    n_genes = len(genes)
    m_of = lambda j: medians[genes[j]]  # noqa: E731

    rows, names = [], []

    def add(name, entries):
        r = np.zeros(n_genes, dtype=np.int64)
        for j, x in entries.items():
            r[j] = x
        rows.append(r)
        names.append(name)

    def random_cell(k, lo=1, hi=60, pool=None):
        pool = vocab_cols if pool is None else pool
        cols = rng.choice(pool, size=k, replace=False)
        return {int(j): int(rng.integers(lo, hi)) for j in cols}

    add('all_vocab_3200', {**random_cell(len(vocab_cols)), oov_cols[0]: 40})
    add('exactly_2047', {**random_cell(2047), oov_cols[1]: 3})
    add('exactly_2048', random_cell(2048))
    add('exactly_2046', random_cell(2046))
    add('zero_counts', {})
    add('only_out_of_vocab', {j: 5 for j in oov_cols})

    # exact ties: equal medians x equal counts; power-of-two medians x power-of-two scaled counts;
    # the duplicated gene column; 150 random genes around them
    ties = random_cell(150, pool=[j for j in vocab_cols if genes[j] not in special_set])
    for a, b in equal_pairs:
        c = int(rng.integers(1, 40))
        ties[col[a]] = ties[col[b]] = c
    for gs in pow2_groups:
        base = min(gs, key=lambda g: medians[g])
        c = int(rng.integers(1, 6))
        for g in gs:
            ratio = medians[g] / medians[base]
            k = int(round(math.log2(ratio)))
            assert 2.0 ** k == ratio
            if k <= 8:
                ties[col[g]] = c * 2 ** k
    for j in dup_cols:
        ties[j] = 17
    add('exact_ties', ties)

    # a tie exactly at the cut: 2046 genes above the tied pair, the pair (one makes it), 400 below
    a, b = min(equal_pairs, key=lambda p: abs(medians[p[0]] - 5.0))
    c0 = 50
    r0 = c0 / medians[a]
    straddle = {col[a]: c0, col[b]: c0}
    pool = [j for j in vocab_cols if genes[j] not in (a, b)]
    rng.shuffle(pool)
    above = pool[:2046]
    below = [j for j in pool[2046:] if math.floor(r0 * m_of(j) * 0.8) >= 1][:400]
    for j in above:
        straddle[j] = math.ceil(r0 * m_of(j) * 1.2) + 1
    for j in below:
        straddle[j] = math.floor(r0 * m_of(j) * 0.8)
    add('tie_at_cut_2047', straddle)

    # pairs whose order differs between float32 (x/n*1e4 in float32, then /median in float64) and
    # float64 evaluation, or that tie in one and not the other; n is fixed by an out-of-vocab filler.
    N = 200_003
    cand = np.array([j for j in vocab_cols if genes[j] not in special_set and j not in dup_cols])
    med = np.array([medians.get(g, np.nan) for g in genes], dtype=np.float64)
    flips, used, tries = {}, set(), 0
    while len(flips) < 2 * 40 and tries < 4_000_000:
        ja, jb = rng.choice(cand, size=200_000), rng.choice(cand, size=200_000)
        xa = rng.integers(1, 3000, size=200_000)
        xb = np.rint(xa * med[jb] / med[ja]).astype(np.int64)
        tries += len(ja)
        ok = (ja != jb) & (xb >= 1) & (xb <= 3000) & (xb != xa)
        v32a = ((xa.astype(np.float32) / np.float32(N)) * np.float32(10000)).astype(np.float64) / med[ja]
        v32b = ((xb.astype(np.float32) / np.float32(N)) * np.float32(10000)).astype(np.float64) / med[jb]
        v64a, v64b = xa / N * 10000 / med[ja], xb / N * 10000 / med[jb]
        hit = ok & (((v32a > v32b) != (v64a > v64b)) | ((v32a == v32b) != (v64a == v64b)))
        for k in np.nonzero(hit)[0]:
            a_, b_ = int(ja[k]), int(jb[k])
            if a_ in used or b_ in used or len(flips) >= 2 * 40:
                continue
            flips[a_], flips[b_] = int(xa[k]), int(xb[k])
            used.update((a_, b_))
    filler = N - sum(flips.values())
    assert filler > 0
    flips[oov_cols[2]] = filler
    add('float32_vs_float64_near_ties', flips)

    add('huge_counts', random_cell(900, lo=1, hi=2_000_000))
    add('single_gene', {vocab_cols[3]: 1})
    add('typical_500', random_cell(500, lo=1, hi=30))

    X = np.vstack(rows)
    cells = [f'syn{i:02d}_{name}' for i, name in enumerate(names)]
    symbols = [f'SYM{j}' for j in range(n_genes)]
    os.makedirs(args.out, exist_ok=True)
    csr = sp.csr_matrix(X.astype(np.float32))
    write_h5ad(os.path.join(args.out, 'synthetic.csr.h5ad'), csr, cells, genes, symbols)
    write_h5ad(os.path.join(args.out, 'synthetic.csc.h5ad'), sp.csc_matrix(csr), cells, genes, symbols)
    write_h5ad(os.path.join(args.out, 'synthetic.dense.h5ad'), X.astype(np.float32), cells, genes, symbols)
    write_h5ad(os.path.join(args.out, 'synthetic.int32.csr.h5ad'), sp.csr_matrix(X.astype(np.int32)), cells, genes, symbols)

    # 10x: same cells with zero-count barcodes first, in the middle and last
    zero = np.zeros((1, n_genes), dtype=np.int64)
    half = len(rows) // 2
    Xm = np.vstack([zero, X[:half], zero, zero, X[half:], zero])
    mcells = ['zero_first'] + cells[:half] + ['zero_mid1', 'zero_mid2'] + cells[half:] + ['zero_last']
    write_mtx(os.path.join(args.out, 'mtx'), sp.csr_matrix(Xm), mcells, genes, symbols)
    print(json.dumps({'cells': len(cells), 'genes': n_genes, 'vocab_genes': len(chosen), 'equal_median_pairs': len(equal_pairs),
                      'pow2_groups': len(pow2_groups), 'float_flip_pairs': (len(flips) - 1) // 2, 'flip_search_tries': tries,
                      'straddle_pair': [a, b], 'duplicated_gene': dup}))


if __name__ == '__main__':
    main()
