"""revo's process-plugin protocol for hf-vlm, in plain Python (no torch): the request, params,
JSONL I/O, NDJSON events, prompts, image lookup and checkpoint discovery. See ../README.md."""
import json
import os
import re
import sys

PROTOCOL_VERSION = 1
EXIT_OK, EXIT_FAILED, EXIT_BAD_REQUEST = 0, 1, 2


class BadRequest(Exception):
    """The request or its params are wrong: exit 2, the message on stderr."""


# ---------------------------------------------------------------- events

class Events:
    """NDJSON events on the real stdout. Libraries print to stdout too (progress bars, warnings),
    so `claim_stdout` moves fd 1 to stderr and keeps a private copy for events."""

    def __init__(self, stream):
        self.stream = stream

    @classmethod
    def claim_stdout(cls):
        sys.stdout.flush()
        events_fd = os.dup(1)
        os.dup2(2, 1)  # anything else written to fd 1 (C code included) lands in revo's log
        sys.stdout = sys.stderr
        return cls(os.fdopen(events_fd, "w", buffering=1, encoding="utf-8"))

    def emit(self, event, **fields):
        self.stream.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
        self.stream.flush()

    def progress(self, done, total, message=None):
        self.emit("progress", done=done, total=total, **({} if message is None else {"message": message}))

    def log(self, message, level="info"):
        self.emit("log", level=level, message=message)

    def checkpoint(self, step, path):
        self.emit("checkpoint", step=step, path=path)

    def result(self, **fields):
        self.emit("result", **fields)


# ---------------------------------------------------------------- request and params

def read_request(path):
    try:
        with open(path, encoding="utf-8") as f:
            req = json.load(f)
    except (OSError, ValueError) as e:
        raise BadRequest(f"cannot read request {path}: {e}")
    if req.get("protocol") != PROTOCOL_VERSION:
        raise BadRequest(f"protocol {req.get('protocol')!r} is not {PROTOCOL_VERSION}")
    op = req.get("op")
    need = {"tune": (["tuneSet"], ["modelDir"]), "answer": (["items", "modelDir"], ["predictions"])}
    if op not in need:
        raise BadRequest(f"unknown op {op!r}")
    for key in ("workDir", "checkpointDir"):
        if not isinstance(req.get(key), str):
            raise BadRequest(f"request has no {key}")
    ins, outs = need[op]
    for k in ins:
        if not isinstance(req.get("inputs", {}).get(k), str):
            raise BadRequest(f"{op} request has no inputs.{k}")
    for k in outs:
        if not isinstance(req.get("outputs", {}).get(k), str):
            raise BadRequest(f"{op} request has no outputs.{k}")
    req["params"] = resolve_params(req.get("params") or {})
    return req


# Defaults are part of the contract: changing one changes results, so it changes the version.
DEFAULTS = {
    "model_name_or_path": "tiny",
    "image_root": None,
    "lora": True,
    "lora_r": 16,
    "lora_alpha": 32,
    "lora_dropout": 0.05,
    "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "learning_rate": 2e-4,
    "weight_decay": 0.0,
    "warmup_steps": 0,
    "batch_size": 8,
    "grad_accum": 1,
    "epochs": 1,
    "max_steps": None,
    "max_length": 512,
    "save_every": 50,
    "keep_checkpoints": 2,
    "seed": 0,
    "bf16": True,
    "answer_batch_size": 16,
    "max_new_tokens": 64,
    "tiny": {"hidden_size": 64, "layers": 2, "heads": 4, "image_size": 32, "patch_size": 8},
}
# Decoding is fixed (greedy), recorded with every model and result, not tunable by accident.
DECODING = {"do_sample": False, "num_beams": 1, "repetition_penalty": 1.0}

_TYPES = {
    "model_name_or_path": str, "image_root": (str, type(None)), "lora": bool, "lora_r": int,
    "lora_alpha": (int, float), "lora_dropout": (int, float), "lora_target_modules": list,
    "learning_rate": (int, float), "weight_decay": (int, float), "warmup_steps": int, "batch_size": int,
    "grad_accum": int, "epochs": (int, float), "max_steps": (int, type(None)), "max_length": int,
    "save_every": int, "keep_checkpoints": int, "seed": int, "bf16": bool, "answer_batch_size": int,
    "max_new_tokens": int, "tiny": dict,
}


def resolve_params(raw):
    if not isinstance(raw, dict):
        raise BadRequest("params must be an object")
    raw = dict(raw)
    if "model" in raw:  # `model: tiny` is shorthand for model_name_or_path
        if "model_name_or_path" in raw:
            raise BadRequest("give model or model_name_or_path, not both")
        raw["model_name_or_path"] = raw.pop("model")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise BadRequest(f"unknown params: {', '.join(unknown)}")
    p = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}
    for k, v in raw.items():
        if isinstance(v, bool) and _TYPES[k] in (int, (int, float)):
            raise BadRequest(f"param {k} must be a number, not {v!r}")
        if not isinstance(v, _TYPES[k]):
            raise BadRequest(f"param {k} has the wrong type: {v!r}")
        if k == "tiny":
            bad = sorted(set(v) - set(DEFAULTS["tiny"]))
            if bad:
                raise BadRequest(f"unknown tiny params: {', '.join(bad)}")
            p["tiny"].update(v)
        else:
            p[k] = v
    for k in ("batch_size", "grad_accum", "save_every", "answer_batch_size", "max_new_tokens", "max_length", "lora_r"):
        if p[k] < 1:
            raise BadRequest(f"param {k} must be >= 1")
    return p


# ---------------------------------------------------------------- JSONL

def read_jsonl(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError as e:
                    raise BadRequest(f"{path} line {n} is not JSON: {e}")
    return out


def write_jsonl_atomic(path, rows):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------- prompts and images

def find_image(image, image_root):
    """The image file for a sample's image ref, or None: tries the given path, its base name, and
    the 12-digit COCO file name of its id under image_root."""
    if not image_root or not image:
        return None
    cands = []
    path = image.get("path")
    if path:
        cands += [os.path.join(image_root, path), os.path.join(image_root, os.path.basename(path))]
    iid = image.get("id")
    if iid and re.fullmatch(r"\d+", iid):
        cands.append(os.path.join(image_root, f"{int(iid):012d}.jpg"))
    for c in cands:
        if os.path.isfile(c):
            return c
    return None


def build_prompt(instruction, history, context, has_image):
    """The user text: earlier turns as given, the context standing in for a missing image, the
    instruction. The image placeholder itself is the codec's business."""
    instruction = instruction.replace("<image>", "").strip()
    parts = []
    if not has_image and context:
        parts.append(f"Image description: {context.strip()}")
    for h in history:
        parts.append(f"Q: {h['instruction'].replace('<image>', '').strip()}\nA: {h['response'].strip()}")
    parts.append(instruction)
    return "\n".join(parts)


def training_examples(samples, image_root):
    """One example per (sample, turn), in a stable order: (prompt, target, image path or None)."""
    out = []
    for s in samples:
        img = find_image(s.get("image"), image_root)
        history = []
        for t in s["turns"]:
            target = t["references"][0] if t["references"] else ""
            out.append({
                "id": f"{s['dataset']}/{s['id']}",
                "prompt": build_prompt(t["instruction"], history, s.get("context"), img is not None),
                "target": target,
                "image": img,
            })
            history.append({"instruction": t["instruction"], "response": target})
    return out


def answer_examples(items, image_root):
    out = []
    for it in items:
        img = find_image(it.get("image"), image_root)
        out.append({
            "id": it["id"],
            "prompt": build_prompt(it["instruction"], it.get("history", []), it.get("context"), img is not None),
            "image": img,
        })
    return out


# ---------------------------------------------------------------- checkpoints

_STEP = re.compile(r"^step-(\d{8})$")


def checkpoint_dir(root, step):
    return os.path.join(root, f"step-{step:08d}")


def latest_checkpoint(root):
    """(step, path) of the newest complete checkpoint (one with its COMPLETE marker), or None."""
    if not os.path.isdir(root):
        return None
    best = None
    for name in os.listdir(root):
        m = _STEP.match(name)
        if m and os.path.isfile(os.path.join(root, name, "COMPLETE")):
            step = int(m.group(1))
            if best is None or step > best[0]:
                best = (step, os.path.join(root, name))
    return best


def prune_checkpoints(root, keep):
    steps = sorted(int(m.group(1)) for m in (_STEP.match(n) for n in os.listdir(root)) if m)
    import shutil
    for s in steps[:-keep] if keep > 0 else []:
        shutil.rmtree(checkpoint_dir(root, s), ignore_errors=True)


def fingerprint(path, params):
    """Checkpoints belong to one (tune set, params) pair."""
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()
