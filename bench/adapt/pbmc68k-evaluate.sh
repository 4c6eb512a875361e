#!/usr/bin/env bash
# Evaluates the bundles of pbmc68k-train.sh through the TypeScript CLI (the exported ONNX graphs, the
# service's tokenizer and scoring): each model on its own test cells (the split files), against the
# demo bundle's zero-shot on the same cells. Every label is scored by CTM (--top-m = number of labels),
# as LangCell's evaluation does; α is each bundle's manifest value.
# usage: bash bench/adapt/pbmc68k-evaluate.sh OUT_DIR   (after pbmc68k-train.sh OUT_DIR)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?output directory}
DATA=${DATA:-../shared/data}
H5AD=$DATA/pbmc68k-reduced/derived/pbmc68k_reduced.counts.csr.anndata-0.8.h5ad
MAP=$DATA/cell-ontology/dataset_label_to_cl.tsv
annotate() {  # bundle labels cells-file [extra]
  local bundle=$1 labels=$2 cells=$3; shift 3
  local k=$(($(wc -l < "$labels") - 1))
  node bin/langcell-atlas.js annotate "$H5AD" --bundle "$bundle" --labels "$labels" --truth-column bulk_labels \
    --truth-map "$MAP" --top-m "$k" --only-cells "$cells" "$@" 2>/dev/null | grep -E "^(annotated|accuracy|classifier alone|fused alone)"
}
node bin/langcell-atlas.js annotate "$H5AD" --bundle seed/bundle --labels "$OUT/labels.tsv" --truth-column bulk_labels \
  --truth-map "$MAP" --top-m 10 2>/dev/null | grep -E "^(annotated|accuracy)" | sed 's/^/zero-shot all cells: /'
for name in fewshot1 fewshot3 fewshot5 fewshot10; do
  [ -f "$OUT/$name/manifest.json" ] || continue
  awk -F'\t' '$2=="test"{print $1}' "$OUT/$name.split.tsv" > "$OUT/$name.test-ids"
  labels=$OUT/labels.tsv
  if grep -q 'Naive T' <(awk -F'\t' '$2=="dropped"{print $3}' "$OUT/$name.split.tsv"); then
    # The class left out of training is left out of the candidates too.
    grep -v "naive thymus-derived CD4-positive" "$OUT/labels.tsv" > "$OUT/$name.labels.tsv"; labels=$OUT/$name.labels.tsv
  fi
  echo "== $name ($(wc -l < "$OUT/$name.test-ids") test cells, α $(node -e "console.log(require(require('path').resolve(process.argv[1])).scoring.alpha)" "$OUT/$name/manifest.json"))"
  annotate seed/bundle "$labels" "$OUT/$name.test-ids" | sed 's/^/  zero-shot (demo): /'
  annotate "$OUT/$name" "$labels" "$OUT/$name.test-ids" | sed 's/^/  fewshot: /'
  # The demo at the α this bundle chose, untrained: separates the α choice from the training.
  alpha=$(node -e "console.log(require(require('path').resolve(process.argv[1])).scoring.alpha)" "$OUT/$name/manifest.json")
  annotate seed/bundle "$labels" "$OUT/$name.test-ids" --alpha "$alpha" | sed "s/^/  zero-shot (demo) at α $alpha: /"
done
if [ -f "$OUT/finetune/manifest.json" ]; then
  awk -F'\t' '$2=="test"{print $1}' "$OUT/finetune.split.tsv" > "$OUT/finetune.test-ids"
  echo "== finetune ($(wc -l < "$OUT/finetune.test-ids") held-out cells)"
  annotate seed/bundle "$OUT/labels.tsv" "$OUT/finetune.test-ids" | sed 's/^/  zero-shot (demo): /'
  annotate "$OUT/finetune" "$OUT/labels.tsv" "$OUT/finetune.test-ids" --decide-by classifier | sed 's/^/  finetune: /'
fi
