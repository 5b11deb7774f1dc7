"""device-check.sh's helpers (each a subcommand, so the shell script holds no Python):
    env                                        versions, CUDA
    request OP PARAMS_JSON DIR INPUT MODEL     write DIR/request.json, print its path
    first-checkpoint EVENTS                    wait until EVENTS has a checkpoint event; print its step
    assert-resume FIRST SECOND                 the second run resumed where the first's last checkpoint was
    assert-tuned EVENTS                        a result event, finite loss, no skipped step
    assert-answers ITEMS PREDICTIONS IMAGES    one answer per item; show some, image items first"""
import importlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import protocol as P  # noqa: E402


def events(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def fail(msg):
    print(f"CHECK FAILED: {msg}")
    sys.exit(1)


def cmd_env():
    import torch
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-"
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, cuda {torch.cuda.is_available()} ({gpu})")
    for m in ("transformers", "peft", "accelerate", "tokenizers", "PIL"):
        try:
            print(f"{m} {importlib.import_module(m).__version__}")
        except Exception as e:  # noqa: BLE001
            print(f"{m} MISSING ({e})")


def cmd_request(op, params, d, inp, model):
    os.makedirs(os.path.join(d, "checkpoints"), exist_ok=True)
    req = {"protocol": 1, "op": op, "plugin": {"name": "hf-vlm", "version": "device-check"},
           "task": {"label": f"{op}:check", "key": os.path.basename(d)}, "params": json.loads(params),
           "workDir": d, "checkpointDir": os.path.join(d, "checkpoints"),
           "inputs": {"tuneSet": inp} if op == "tune" else {"items": inp, "modelDir": model},
           "outputs": {"modelDir": model} if op == "tune" else {"predictions": os.path.join(d, "predictions.jsonl")}}
    path = os.path.join(d, "request.json")
    with open(path, "w") as f:
        json.dump(req, f, indent=1)
    print(path)


def cmd_first_checkpoint(path, timeout=240):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.endswith("\n") and '"checkpoint"' in line:
                        print(json.loads(line)["step"])
                        return
        time.sleep(0.05)
    fail(f"no checkpoint event in {path} after {timeout}s")


def cmd_assert_resume(first, second):
    a, b = events(first), events(second)
    saved = [e["step"] for e in a if e["event"] == "checkpoint"]
    if not saved:
        fail("the first run wrote no checkpoint before it was killed")
    if any(e["event"] == "result" for e in a):
        fail("the first run finished before it was killed: nothing was resumed")
    resumed = [e["message"] for e in b if e["event"] == "log" and e["message"].startswith("resumed from checkpoint step ")]
    if not resumed:
        fail("the second run did not resume from a checkpoint")
    step = int(resumed[0].split()[4])
    if step != saved[-1]:
        fail(f"resumed from step {step}, but the last checkpoint written was step {saved[-1]}")
    first_progress = next(e for e in b if e["event"] == "progress")
    if first_progress["done"] != step + 1:
        fail(f"after resuming from step {step} the first step was {first_progress['done']}, not {step + 1}")
    result = [e for e in b if e["event"] == "result"]
    if not result or result[0]["steps"] != first_progress["total"]:
        fail("the resumed run did not finish all its steps")
    print(f"ok: killed after checkpoint step {saved[-1]}; resumed at step {step + 1} of {first_progress['total']} and finished")


def cmd_assert_tuned(path):
    ev = events(path)
    result = [e for e in ev if e["event"] == "result"]
    if not result:
        fail(f"no result event in {path}")
    r = result[0]
    if r.get("final_loss") is None or r.get("skipped_steps", 0):
        fail(f"final loss {r.get('final_loss')}, skipped steps {r.get('skipped_steps')}")
    losses = [float(e["message"].split()[1]) for e in ev if e["event"] == "progress" and e.get("message", "").startswith("loss ")]
    print(f"ok: {r['steps']} steps, loss {losses[0]:.3f} -> {losses[-1]:.3f}, {r['with_images']} conversations with images, "
          f"{r['seconds']} s, trainable {r['trainable']}")


def cmd_assert_answers(items_path, preds_path, images):
    items = P.read_jsonl(items_path)
    preds = {r["id"]: r["prediction"] for r in P.read_jsonl(preds_path)}
    ids = [it["id"] for it in items]
    if sorted(preds) != sorted(ids):
        fail(f"{len(preds)} predictions for {len(ids)} items")
    with_image = [it for it in items if P.find_image(it.get("image"), images)]
    if not with_image:
        fail("no item had an image")
    print(f"ok: {len(preds)} answers, {len(with_image)} of them to items with an image; some:")
    for it in with_image[:3] + [it for it in items if it not in with_image][:2]:
        print(f"  [{it['id']}{' +image' if it in with_image else ''}] {it['instruction'][:60]!r} -> {preds[it['id']][:80]!r}"
              f" (reference {it['references'][0][:50]!r})")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"env": cmd_env, "request": cmd_request, "first-checkpoint": cmd_first_checkpoint, "assert-resume": cmd_assert_resume,
     "assert-tuned": cmd_assert_tuned, "assert-answers": cmd_assert_answers}[cmd](*args)
