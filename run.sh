#!/usr/bin/env bash
# The two commands that do everything on a fresh machine:
#   ./run.sh          main job: set up, score the corpus articles with the shipped default
#                     model into results/corpus.jsonl, print a summary, write the HTML report
#   ./run.sh test     set up, then run the whole test suite (fast and slow tests)
# Works offline apart from PyPI. VENV (default .venv) and PYTHON (default python3) may be set.
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
CORPUS=${CORPUS:-../shared/corpus}
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1} TRANSFORMERS_OFFLINE=${TRANSFORMERS_OFFLINE:-1}

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating $VENV" >&2
    "$PYTHON" -m venv "$VENV"
  fi
  # torch first, pinned: an unpinned torch with none installed pulls the CUDA packages.
  if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    echo "== installing torch (CPU build)" >&2
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q "torch==2.13.0"
  fi
  if ! "$VENV/bin/python" -c "import stance, stance_training.train, pytest, pyarrow, onnxruntime" 2>/dev/null \
     || [ pyproject.toml -nt "$VENV/.stance-installed" ]; then
    echo "== installing stance with the train, test, parquet and onnx extras" >&2
    "$VENV/bin/pip" install -q -e ".[train,test,parquet,onnx]"
    touch "$VENV/.stance-installed"
  fi
}

main_job() {
  setup
  local stance="$VENV/bin/stance"
  if [ ! -f models/default/stance.json ]; then
    echo "== building the default model (about 14 minutes on 2 CPU cores)" >&2
    "$stance" train --labels labels --out models/default
  else
    echo "== default model: models/default (shipped; 'stance train --overwrite' rebuilds it from labels/)" >&2
  fi
  mkdir -p results
  echo "== scoring the corpus articles in $CORPUS" >&2
  "$stance" score "$CORPUS" --out results/corpus.jsonl --model models/default
  "$VENV/bin/python" - <<'PY'
import json
print(f"{'article':<28} {'sent':>5}  {'leaning':<11} {'conf':>5}  techniques per 100 sentences")
for line in open("results/corpus.jsonl", encoding="utf-8"):
    r = json.loads(line)
    rates = ", ".join(f"{k} {v:.0f}" for k, v in r["technique_rate"].items())
    print(f"{r['doc_id'].split('/')[-1][:28]:<28} {r['n_sentences']:>5}  {r['leaning']:<11} "
          f"{r['leaning_confidence']:>5.2f}  {rates}")
PY
  echo "== writing the HTML report" >&2
  "$stance" report results/corpus.jsonl --out results/report
  local chromium
  chromium=$(command -v chromium || command -v chromium-browser || true)
  if [ -n "$chromium" ]; then  # a picture of the report's index, kept out of git
    "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size=1280,1400 \
      --screenshot="$PWD/results/report.png" "file://$PWD/results/report/index.html" >/dev/null 2>&1 \
      && echo "screenshot: results/report.png" >&2
  fi
  echo "results: results/corpus.jsonl; report: results/report/index.html (open it in a browser)" >&2
}

run_tests() {
  setup
  "$VENV/bin/python" -m pytest -q "$@"
}

case "${1:-main}" in
  main) main_job ;;
  test) shift; run_tests "$@" ;;
  setup) setup ;;
  *) echo "usage: ./run.sh [main|test [pytest args]|setup]" >&2; exit 2 ;;
esac
