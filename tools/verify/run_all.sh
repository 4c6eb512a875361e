#!/usr/bin/env bash
# Re-runs the whole tokenizer check: TS CLI vs the independent Python implementation on the shared
# real files and on generated synthetic files, then the log1p-inversion figures.
# Usage: tools/verify/run_all.sh [WORK_DIR]   (from anywhere; needs /usr/bin/python3 with numpy, h5py, scipy)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tools/verify"
WORK=${1:-/tmp/langcell-verify}
DATA=${LANGCELL_SHARED_DATA:-/work/shared/data}
VOCAB=$DATA/geneformer-vocab
PY=/usr/bin/python3
mkdir -p "$WORK"
cd "$ROOT"

"$PY" "$HERE/make_synthetic.py" "$WORK/syn" --vocab "$VOCAB" > "$WORK/synthetic.json" || exit 1

# name | input | TS options | Python options
CASES=(
  "pbmc-csr|$DATA/pbmc68k-reduced/derived/pbmc68k_reduced.counts.csr.anndata-0.8.h5ad||"
  "pbmc-csc|$DATA/pbmc68k-reduced/derived/pbmc68k_reduced.counts.csc.anndata-0.8.h5ad||"
  "pbmc-mtx|$DATA/pbmc68k-reduced/derived/mtx||"
  "10x-chr21|$DATA/scanpy-10x-fixtures/3.0.0/filtered_feature_bc_matrix||"
  "heart-raw|$DATA/cellxgene-schema-fixtures/example_invalid_CL.heart-320cells.h5ad||"
  "heart-X|$DATA/cellxgene-schema-fixtures/example_invalid_CL.heart-320cells.h5ad|--layer X|--matrix X"
  "pbmc-legacy-log1p|$DATA/pbmc68k-reduced/10x_pbmc68k_reduced.anndata-v0.5-legacy.h5ad||--matrix raw --genes symbols --expm1"
  "syn-csr|$WORK/syn/synthetic.csr.h5ad||"
  "syn-csc|$WORK/syn/synthetic.csc.h5ad||"
  "syn-dense|$WORK/syn/synthetic.dense.h5ad||"
  "syn-int32|$WORK/syn/synthetic.int32.csr.h5ad||"
  "syn-mtx|$WORK/syn/mtx||"
)
fail=0
printf '| case | cells | identical | cells with exact ties | numpy argsort order differs (in output) | truncated | zero-count |\n|---|---|---|---|---|---|---|\n' > "$WORK/table.md"
for case in "${CASES[@]}"; do
  IFS='|' read -r name input tsopt pyopt <<< "$case"
  # shellcheck disable=SC2086
  npx tsx src/cli/main.ts tokenize "$input" --vocab "$VOCAB" --out "$WORK/$name.ts.jsonl" $tsopt > "$WORK/$name.ts.log" 2>&1 \
    || { echo "TS failed on $name (see $WORK/$name.ts.log)"; fail=1; continue; }
  # shellcheck disable=SC2086
  "$PY" "$HERE/langcell_tokenize.py" "$input" --vocab "$VOCAB" --out "$WORK/$name.py.jsonl" --stats "$WORK/$name.stats.json" $pyopt 2> "$WORK/$name.py.log" \
    || { echo "Python failed on $name (see $WORK/$name.py.log)"; fail=1; continue; }
  "$PY" "$HERE/compare_tokens.py" "$WORK/$name.py.jsonl" "$WORK/$name.ts.jsonl" | tee "$WORK/$name.compare.txt" || fail=1
  "$PY" - "$name" "$WORK" >> "$WORK/table.md" <<'PYEOF'
import json, sys
name, work = sys.argv[1], sys.argv[2]
s = json.load(open(f'{work}/{name}.stats.json'))
a = [json.loads(l) for l in open(f'{work}/{name}.py.jsonl')]
b = [json.loads(l) for l in open(f'{work}/{name}.ts.jsonl')]
same = sum(1 for x, y in zip(a, b) if x == y)
print(f"| {name} | {s['cells']} | {same}/{len(a)} | {s['cells_with_ties']} | {s['cells_numpy_order_differs']} ({s['cells_numpy_order_differs_in_output']}) | {s['truncated_cells']} | {s['zero_count_cells']} |")
PYEOF
done
echo; cat "$WORK/table.md"
echo; echo "log1p inversion (legacy raw.X vs counts):"
"$PY" "$HERE/log1p_inversion.py" "$DATA/pbmc68k-reduced/10x_pbmc68k_reduced.anndata-v0.5-legacy.h5ad" \
  "$DATA/pbmc68k-reduced/derived/pbmc68k_reduced.counts.csr.anndata-0.8.h5ad" --vocab "$VOCAB" \
  --ts-legacy "$WORK/pbmc-legacy-log1p.ts.jsonl" --ts-counts "$WORK/pbmc-csr.ts.jsonl" | tee "$WORK/log1p.json"
exit $fail
