#!/usr/bin/env bash
# Trains the adapted bundles measured in bench/results/adapt-pbmc68k-*.md from the demo bundle:
# LangCell few-shot at n = 1, 3, 5, 10 cells per class and LangCell-CE on the 2:1 split.
# usage: bash bench/adapt/pbmc68k-train.sh OUT_DIR   (needs ../shared/data; never commit OUT_DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?output directory}
DATA=${DATA:-../shared/data}
H5AD=$DATA/pbmc68k-reduced/derived/pbmc68k_reduced.counts.csr.anndata-0.8.h5ad
MAP=$DATA/cell-ontology/dataset_label_to_cl.tsv
mkdir -p "$OUT"
# Candidate labels: the CL terms the 10 pbmc68k bulk_labels map to (label, id, definition).
awk -F'\t' 'BEGIN{OFS="\t"; print "label","id","definition"} NR>1 && $1=="pbmc68k-reduced" {print $4,$3,$5}' "$MAP" > "$OUT/labels.tsv"
common=(--base-bundle seed/bundle --cells "$H5AD" --label-column bulk_labels --labels "$OUT/labels.tsv" --label-map "$MAP")
for n in ${NSHOTS:-1 3 5 10}; do
  [ -f "$OUT/fewshot$n/manifest.json" ] && continue
  /usr/bin/python3 -m tools.model fewshot "${common[@]}" --n-shot "$n" --out "$OUT/fewshot$n" \
    --split-out "$OUT/fewshot$n.split.tsv" 2>&1 | tee "$OUT/fewshot$n.log"
done
if [ ! -f "$OUT/finetune/manifest.json" ]; then
  /usr/bin/python3 -m tools.model finetune "${common[@]}" --out "$OUT/finetune" \
    --split-out "$OUT/finetune.split.tsv" 2>&1 | tee "$OUT/finetune.log"
fi
