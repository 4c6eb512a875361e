#!/usr/bin/python3
"""How much does tokenizing pbmc68k's legacy raw.X (log1p(normalized), rounded to 3 decimals, undone
with expm1) differ from tokenizing the raw counts of the same 700 cells?

Usage: log1p_inversion.py LEGACY.h5ad COUNTS.h5ad --vocab DIR [--ts-legacy TS.jsonl --ts-counts TS.jsonl]

Reports, per comparison: cells identical, and for the other cells the number of differing positions,
the fraction of identical positions, and Kendall's tau over the genes the two sequences share.
  A. rounding only: Python, legacy raw.X with the Ensembl ids of COUNTS (same var order, checked)
     vs Python, COUNTS                                                    -> effect of the 3-decimal rounding
  B. what the service does: TS legacy (symbols via gene_name_id_dict) vs TS counts (Ensembl gene_ids)
     -> rounding + symbol-mapping losses
"""
import argparse
import json
import os
import sys

import numpy as np
from scipy.stats import kendalltau

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import langcell_tokenize as lt  # noqa: E402


def summarize(name, a_cells, b_cells):
    identical, diff_positions, same_frac, taus, len_diff, common_same = 0, [], [], [], 0, 0
    for (ca, a), (cb, b) in zip(a_cells, b_cells):
        assert ca == cb, (ca, cb)
        if a == b:
            identical += 1
            continue
        len_diff += len(a) != len(b)
        n = max(len(a), len(b))
        same = sum(1 for x, y in zip(a, b) if x == y)
        diff_positions.append(n - same)
        same_frac.append(same / n)
        rank_b = {t: k for k, t in enumerate(b)}
        common = [t for t in a if t in rank_b]
        common_same += common == [t for t in b if t in set(a)]
        taus.append(kendalltau(range(len(common)), [rank_b[t] for t in common])[0])
    r = {'comparison': name, 'cells': len(a_cells), 'identical': identical, 'differing': len(a_cells) - identical,
         'differing_with_other_length': len_diff,
         'differing_but_shared_genes_in_same_order': common_same}
    if diff_positions:
        d = np.array(diff_positions)
        r.update(positions_differing_median=float(np.median(d)), positions_differing_mean=round(float(d.mean()), 2),
                 positions_differing_max=int(d.max()),
                 identical_position_fraction_mean=round(float(np.mean(same_frac)), 4),
                 identical_position_fraction_min=round(float(np.min(same_frac)), 4),
                 kendall_tau_mean=round(float(np.nanmean(taus)), 5), kendall_tau_min=round(float(np.nanmin(taus)), 5))
    return r


def load_jsonl(path):
    with open(path) as fh:
        return [(d['cell'], d['input_ids']) for d in map(json.loads, fh)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('legacy')
    ap.add_argument('counts')
    ap.add_argument('--vocab', required=True)
    ap.add_argument('--ts-legacy')
    ap.add_argument('--ts-counts')
    args = ap.parse_args()
    token_dict, median_dict, symbols, cls_id = lt.load_vocab(args.vocab)

    Xc, cells_c, genes_c, cols_c, _ = lt.read_h5ad(args.counts, 'X')
    Xl, cells_l, genes_l, _, where = lt.read_h5ad(args.legacy, 'raw')
    assert cells_c == cells_l, 'cell order differs'
    assert genes_c == genes_l, 'var order / symbols differ'
    Xl = Xl.copy()
    Xl.data = np.expm1(Xl.data.astype(np.float64)).astype(np.float32)
    # nonzero pattern must be the same: rounding never makes a count zero (min raw.X 0.719)
    assert (Xl != 0).nnz == (Xc != 0).nnz and ((Xl != 0) != (Xc != 0)).nnz == 0

    ens = cols_c['gene_ids']
    via_sym = [symbols.get(g) for g in genes_l]
    kept_ens = {j for j, g in enumerate(ens) if g in median_dict}
    kept_sym = {j for j, g in enumerate(via_sym) if g is not None and g in median_dict}
    mapping = {'genes': len(genes_c), 'in_vocab_via_gene_ids': len(kept_ens), 'in_vocab_via_symbols': len(kept_sym),
               'both': len(kept_ens & kept_sym),
               'both_but_different_id': sum(1 for j in kept_ens & kept_sym if ens[j] != via_sym[j]),
               'only_gene_ids': len(kept_ens - kept_sym), 'only_symbols': len(kept_sym - kept_ens),
               'different_ids': [[genes_c[j], ens[j], via_sym[j]] for j in sorted(kept_ens & kept_sym) if ens[j] != via_sym[j]]}

    stats = {}
    counts_tok = lt.tokenize(Xc, ens, token_dict, median_dict, cls_id, stats)
    legacy_tok = lt.tokenize(Xl, ens, token_dict, median_dict, cls_id, {})
    out = {'symbol_mapping': mapping,
           'A_rounding_only': summarize('python: legacy raw.X (expm1) vs counts, same Ensembl ids',
                                        list(zip(cells_c, legacy_tok)), list(zip(cells_c, counts_tok)))}
    # exact ties between x/median values on the count scale can't exist here (0 ties above), so every
    # difference in A is a pair of genes whose order the 3-decimal rounding swapped.
    if args.ts_legacy and args.ts_counts:
        out['B_service'] = summarize('TS: legacy (symbols) vs counts (gene_ids)', load_jsonl(args.ts_legacy), load_jsonl(args.ts_counts))
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
