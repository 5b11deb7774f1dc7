"""The smallest complete revo process plugin (see ../README.md): tune remembers the tune set's
most common response; answer gives that response for every item. Standard library only."""
import collections, json, os, sys

def emit(**event):  # one NDJSON event per line on stdout
    print(json.dumps(event), flush=True)

def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]

req = json.load(open(os.environ["REVO_REQUEST"], encoding="utf-8"))
if req["op"] == "tune":
    samples = read_jsonl(req["inputs"]["tuneSet"])
    counts = collections.Counter(t["references"][0] for s in samples for t in s["turns"] if t["references"])
    # most common, ties broken by the text itself, so the model is deterministic
    best = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else ""
    with open(os.path.join(req["outputs"]["modelDir"], "model.json"), "w", encoding="utf-8") as f:
        json.dump({"response": best}, f)
    emit(event="progress", done=len(samples), total=len(samples))
    emit(event="result", samples=len(samples))
elif req["op"] == "answer":
    response = json.load(open(os.path.join(req["inputs"]["modelDir"], "model.json"), encoding="utf-8"))["response"]
    items = read_jsonl(req["inputs"]["items"])
    with open(req["outputs"]["predictions"], "w", encoding="utf-8") as f:
        for i, item in enumerate(items, 1):
            f.write(json.dumps({"id": item["id"], "prediction": response}) + "\n")
            if i % 1000 == 0 or i == len(items):
                emit(event="progress", done=i, total=len(items))
    emit(event="result", predictions=len(items))
else:
    print(f"unknown op {req['op']}", file=sys.stderr)
    sys.exit(2)
