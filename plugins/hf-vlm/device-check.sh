#!/usr/bin/env bash
# Tries hf-vlm's torch side on a GPU: tune a tiny LLaVA (no download) on a few hundred real
# samples, then answer; prints loss per step and the number of answers. Under 5 minutes on one H100.
#   plugins/hf-vlm/device-check.sh [DATA_ROOT]    (default ../shared/data, relative to the repo root)
# Without DATA_ROOT's coco-mini images, the images shipped in testdata/ are used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data_root="${1:-$repo/../shared/data}"
py="${PYTHON:-python3}"
images="$data_root/coco-mini/images"
[ -d "$images" ] || images="$here/testdata/images"
work="$(mktemp -d "${TMPDIR:-/tmp}/hf-vlm-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$py" - <<'PY'
import importlib, torch
print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-")
for m in ("transformers", "peft", "PIL"):
    try:
        print(m, importlib.import_module(m).__version__)
    except Exception as e:
        print(m, "MISSING", e)
PY
lora=false
"$py" -c "import peft" 2>/dev/null && lora=true

run_op() { # op params-json
  "$py" - "$1" "$2" "$work" "$here" <<'PY'
import json, os, sys
op, params, work, here = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
d = os.path.join(work, op + "-" + str(abs(hash(json.dumps(params, sort_keys=True)))))
os.makedirs(os.path.join(d, "checkpoints"), exist_ok=True)
model = os.path.join(work, "model-" + str(params.get("lora")))
req = {"protocol": 1, "op": op, "plugin": {"name": "hf-vlm", "version": "check"}, "task": {"label": f"{op}:check", "key": "check"},
       "params": params, "workDir": d, "checkpointDir": os.path.join(d, "checkpoints"),
       "inputs": {"tuneSet": os.path.join(here, "testdata", "tune.jsonl")} if op == "tune" else
                 {"items": os.path.join(here, "testdata", "items.jsonl"), "modelDir": model},
       "outputs": {"modelDir": model} if op == "tune" else {"predictions": os.path.join(d, "predictions.jsonl")}}
json.dump(req, open(os.path.join(d, "request.json"), "w"))
print(os.path.join(d, "request.json"))
PY
}

for use_lora in false $lora; do
  params="{\"model\": \"tiny\", \"image_root\": \"$images\", \"lora\": $use_lora, \"epochs\": 3, \"batch_size\": 8, \"learning_rate\": 0.001, \"save_every\": 20, \"max_new_tokens\": 24}"
  echo "== tune (tiny, lora=$use_lora, images from $images)"
  req="$(run_op tune "$params")"
  start=$(date +%s)
  "$py" "$here/main.py" "$req" 2>"$work/tune.err" | "$py" -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e["event"] == "progress": print(f"step {e[\"done\"]}/{e[\"total\"]} {e.get(\"message\", \"\")}")
    elif e["event"] == "log" and e["level"] != "debug": print("log:", e["message"])
    elif e["event"] == "checkpoint": print("checkpoint", e["step"])
    elif e["event"] == "result": print("result", json.dumps(e))
' || { tail -30 "$work/tune.err"; exit 1; }
  echo "tune took $(( $(date +%s) - start )) s"
  echo "== answer"
  req="$(run_op answer "$params")"
  "$py" "$here/main.py" "$req" 2>"$work/answer.err" | tail -1 || { tail -30 "$work/answer.err"; exit 1; }
  pred="$(dirname "$req")/predictions.jsonl"
  echo "answers: $(wc -l < "$pred") of $(wc -l < "$here/testdata/items.jsonl") items"
  head -3 "$pred"
done
