#!/usr/bin/env bash
# Trains the adapted bundles measured in bench/results/adapt-pbmc68k-2026-12-02.md from the demo
# bundle: LangCell few-shot at n = 1, 3, 5, 10 cells per class and LangCell-CE on the 2:1 split.
# usage: [FEWSHOT_ARGS=--no-refit] bash bench/adapt/pbmc68k-train.sh OUT_DIR
#        (needs ../shared/data; never commit OUT_DIR). The 2026-12-02 report used FEWSHOT_ARGS=--no-refit
#        (2 shared CPU cores): each model is the one trained without its validation cells.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?output directory}
DATA=${DATA:-../shared/data}
H5AD=$DATA/pbmc68k-reduced/derived/pbmc68k_reduced.counts.csr.anndata-0.8.h5ad
MAP=$DATA/cell-ontology/dataset_label_to_cl.tsv
mkdir -p "$OUT"
# Candidate labels: the CL terms the 10 pbmc68k bulk_labels map to (label, id, definition).
awk -F'\t' 'BEGIN{OFS="\t"; print "label","id","definition"} NR>1 && $1=="pbmc68k-reduced" {print $4,$3,$5}' "$MAP" > "$OUT/labels.tsv"
common=(--base-bundle seed/bundle --cells "$H5AD" --label-column bulk_labels --labels "$OUT/labels.tsv" --label-map "$MAP")
fewshot() {  # n [extra args]
  local n=$1; shift
  [ -f "$OUT/fewshot$n/manifest.json" ] && return
  /usr/bin/python3 -m tools.model fewshot "${common[@]}" --n-shot "$n" --out "$OUT/fewshot$n" \
    --split-out "$OUT/fewshot$n.split.tsv" ${FEWSHOT_ARGS:-} "$@" > "$OUT/fewshot$n.log" 2>&1
  echo "fewshot n=$n exit $?"
}
for n in 1 3 5; do fewshot "$n"; done
if [ ! -f "$OUT/finetune/manifest.json" ]; then
  /usr/bin/python3 -m tools.model finetune "${common[@]}" --out "$OUT/finetune" \
    --split-out "$OUT/finetune.split.tsv" > "$OUT/finetune.log" 2>&1
  echo "finetune exit $?"
fi
# "CD4+/CD45RA+/CD25- Naive T" has 8 cells: n = 10 is refused (TOO_FEW_CELLS) unless that class is left out.
/usr/bin/python3 -m tools.model fewshot "${common[@]}" --n-shot 10 --out "$OUT/refused10" > "$OUT/refused10.log" 2>&1
echo "fewshot n=10 with every class: exit $? ($(grep -o '\[[A-Z_]*\]' "$OUT/refused10.log"))"
fewshot 10 --drop-label "CD4+/CD45RA+/CD25- Naive T"
