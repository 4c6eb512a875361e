#!/usr/bin/python3
"""Compare two tokenized JSONL files ({"cell": id, "input_ids": [...]} per line) exactly.

Usage: compare_tokens.py A.jsonl B.jsonl [--quiet]
Prints cells compared, cells identical, the first mismatch; exit status 0 iff all cells match.
"""
import json
import sys


def load(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def compare(a_path, b_path, quiet=False):
    a, b = load(a_path), load(b_path)
    result = {'cells_a': len(a), 'cells_b': len(b), 'compared': min(len(a), len(b)), 'identical': 0,
              'id_mismatches': 0, 'token_mismatches': 0, 'first_mismatch': None}
    for i, (x, y) in enumerate(zip(a, b)):
        if x['cell'] != y['cell']:
            result['id_mismatches'] += 1
            result['first_mismatch'] = result['first_mismatch'] or {'row': i, 'cell_a': x['cell'], 'cell_b': y['cell']}
            continue
        if x['input_ids'] == y['input_ids']:
            result['identical'] += 1
            continue
        result['token_mismatches'] += 1
        if result['first_mismatch'] is None:
            xi, yi = x['input_ids'], y['input_ids']
            pos = next((k for k in range(min(len(xi), len(yi))) if xi[k] != yi[k]), min(len(xi), len(yi)))
            result['first_mismatch'] = {'row': i, 'cell': x['cell'], 'len_a': len(xi), 'len_b': len(yi), 'position': pos,
                                        'a': xi[max(0, pos - 2):pos + 5], 'b': yi[max(0, pos - 2):pos + 5]}
    ok = result['identical'] == result['compared'] == len(a) == len(b)
    if not quiet:
        print(f"{a_path} vs {b_path}: compared {result['compared']} cells (A {len(a)}, B {len(b)}), identical {result['identical']}"
              + ('' if ok else f", id mismatches {result['id_mismatches']}, token mismatches {result['token_mismatches']}"))
        if result['first_mismatch']:
            print('  first mismatch:', json.dumps(result['first_mismatch']))
    return ok, result


if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if len(args) != 2:
        sys.exit(__doc__)
    ok, _ = compare(args[0], args[1], quiet='--quiet' in sys.argv)
    sys.exit(0 if ok else 1)
