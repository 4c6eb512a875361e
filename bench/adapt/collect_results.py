"""Collects the adapt report's raw figures into one JSON.

usage: python3 bench/adapt/collect_results.py RUNS_DIR SIZE_DIR EVAL_LOG_DIR OUT.json
RUNS_DIR: pbmc68k-train.sh's output; SIZE_DIR: langcell_size_steps.py outputs (*.json, fewshot.log);
EVAL_LOG_DIR: saved outputs of pbmc68k-evaluate.sh / annotate (eval*.log).
"""
import ast
import glob
import json
import os
import sys

runs, size, logs, target = sys.argv[1:5]
out={"date":"2026-12-02","machine":"shared 2-core VM, load 6-10; torch 1.13 (1 intra-op thread), OpenBLAS 0.3.21 via LD_LIBRARY_PATH","pbmc68k":{},"langcellSize":{}}
for n in ['fewshot1','fewshot3','fewshot5','fewshot10','finetune']:
    try: m=json.load(open(f'{runs}/{n}/manifest.json'))
    except FileNotFoundError: continue
    t=m['training']
    out['pbmc68k'][n]={"id":m['id'],"alpha":m['scoring']['alpha'],"provenance":{k:m['provenance'][k] for k in ('kind','base','data','commandLine','seed','parity') if k in m['provenance']},
        "training":{k:v for k,v in t.items() if k not in ('classes',)}}
for f in sorted(glob.glob(os.path.join(logs, 'eval*.log'))):
    out['pbmc68k']['cli:' + os.path.basename(f)] = open(f).read().splitlines()
out['pbmc68k']['refusedN10']=open(f'{runs}/refused10.log').read().splitlines()[-1]
for n in ['finetune','finetuneheadonly','fewshot-budget1024']:
    out['langcellSize'][n]=json.load(open(f'{size}/{n}.json'))
out['langcellSize']['fewshot-onepiece']={"note":"stopped after one step (17 GB on a shared 23 GB machine); token budget 16384",
  "steps":[ast.literal_eval(l) for l in open(f'{size}/fewshot.log') if l.startswith('{')]}
json.dump(out, open(target, 'w'), indent=1)
