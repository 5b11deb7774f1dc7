"""revo's process-plugin protocol for hf-vlm, in plain Python (no torch): the request and its
params (checked against the JSON Schema in revo-plugin.json, the one revo validate uses), JSONL
I/O, NDJSON events, LLaVA-1.5 conversations and their label masks, truncation, image lookup, the
step plan and learning-rate schedule, checkpoint discovery and exit codes. See ../README.md."""
import hashlib
import json
import math
import os
import random
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOCOL_VERSION = 1
# 75 (EX_TEMPFAIL): a failure worth retrying elsewhere or later; revo retries it with backoff.
EXIT_OK, EXIT_FAILED, EXIT_BAD_REQUEST, EXIT_TEMPFAIL = 0, 1, 2, 75
IGNORE = -100  # the label of a token that is not trained on (the prompt, the image, padding)


class BadRequest(Exception):
    """The request or its params are wrong: exit 2, the message on stderr."""


class TransientFailure(Exception):
    """Not this task's fault (no GPU here, GPU busy, out of GPU memory, the Hub timing out): exit 75."""


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
        # NaN and Infinity are not JSON: revo would reject the line after a whole run. A caller
        # that might hold one (a loss) must pass None instead; this raises rather than lie.
        line = json.dumps({"event": event, **fields}, ensure_ascii=False, allow_nan=False)
        self.stream.write(line + "\n")
        self.stream.flush()

    def progress(self, done, total, message=None):
        self.emit("progress", done=done, total=total, **({} if message is None else {"message": message}))

    def log(self, message, level="info"):
        self.emit("log", level=level, message=message)

    def checkpoint(self, step, path):
        self.emit("checkpoint", step=step, path=path)

    def result(self, **fields):
        self.emit("result", **fields)


def finite_or_none(x):
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None


# ---------------------------------------------------------------- params: the manifest's JSON Schema

with open(os.path.join(HERE, "revo-plugin.json"), encoding="utf-8") as _f:
    MANIFEST = json.load(_f)
PARAMS_SCHEMA = MANIFEST["params"]
_PROPS = PARAMS_SCHEMA["properties"]
# Defaults live in the manifest (one place; revo validates specs against the same schema).
# Changing one changes results, and changes the plugin's code hash, so tasks re-run.
DEFAULTS = {k: v["default"] for k, v in _PROPS.items() if "default" in v}
DEFAULTS["tiny"] = {k: v["default"] for k, v in _PROPS["tiny"]["properties"].items()}
# Decoding is fixed (greedy), recorded with every model and result, not tunable by accident.
DECODING = {"do_sample": False, "num_beams": 1, "repetition_penalty": 1.0}


def _type_ok(v, t):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return {"string": str, "boolean": bool, "object": dict, "array": list, "null": type(None)}[t] is type(v) or (
        t == "object" and isinstance(v, dict))


def _article(t):
    return {"integer": "an integer", "object": "an object", "array": "an array", "null": "null"}.get(t, f"a {t}")


def schema_errors(schema, value, path="params"):
    """Problems of value against the JSON Schema subset revo's params-schema.ts checks (the same
    messages, so a request built by hand fails the way `revo validate` would have said)."""
    if "anyOf" in schema:
        alts = [schema_errors(s, value, path) for s in schema["anyOf"]]
        if any(not a for a in alts):
            return []
        fitting = [a for s, a in zip(schema["anyOf"], alts) if "type" not in s or _type_ok(value, s["type"])]
        if len(fitting) == 1:
            return fitting[0]
        return [f"{path}: Expected {' or '.join(_article(s['type']) for s in schema['anyOf'] if 'type' in s)}, got {json.dumps(value)}"]
    t = schema.get("type")
    if t is not None and not any(_type_ok(value, x) for x in (t if isinstance(t, list) else [t])):
        return [f"{path}: Expected {' or '.join(_article(x) for x in (t if isinstance(t, list) else [t]))}, got {json.dumps(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: Expected one of {', '.join(json.dumps(e) for e in schema['enum'])}, got {json.dumps(value)}"]
    out = []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, ok, word in (("minimum", lambda m: value >= m, ">="), ("maximum", lambda m: value <= m, "<="),
                              ("exclusiveMinimum", lambda m: value > m, ">"), ("exclusiveMaximum", lambda m: value < m, "<")):
            if key in schema and not ok(schema[key]):
                out.append(f"{path}: Expected a value {word} {schema[key]}, got {value}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(f"{path}: Expected at least {schema['minLength']} characters, got {json.dumps(value)}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{path}: Expected a string matching /{schema['pattern']}/, got {json.dumps(value)}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{path}: Expected at least {schema['minItems']} item(s), got {len(value)}")
        for i, v in enumerate(value):
            out += schema_errors(schema.get("items", {}), v, f"{path}.{i}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for k in sorted(value):
            if k in props:
                out += schema_errors(props[k], value[k], f"{path}.{k}")
            elif extra is False:
                out.append(f"{path}.{k}: Unknown key {json.dumps(k)}")
            elif isinstance(extra, dict):
                out += schema_errors(extra, value[k], f"{path}.{k}")
    return out


def resolve_params(raw):
    if not isinstance(raw, dict):
        raise BadRequest("params must be an object")
    errors = schema_errors(PARAMS_SCHEMA, raw)
    if errors:
        raise BadRequest("; ".join(errors))
    raw = dict(raw)
    if "model" in raw:  # `model: tiny` is shorthand for model_name_or_path
        if "model_name_or_path" in raw:
            raise BadRequest("give model or model_name_or_path, not both")
        raw["model_name_or_path"] = raw.pop("model")
    p = json.loads(json.dumps(DEFAULTS))
    for k, v in raw.items():
        if k == "tiny":
            p["tiny"].update(v)
        else:
            p[k] = v
    return p


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


def is_tiny(p):
    return p["model_name_or_path"] == "tiny"


def require_gpu(p, cuda_available, allow_cpu=False):
    """A model other than tiny is never run on a CPU (a 7B model would run for weeks and look like
    progress): without CUDA this is a transient failure (exit 75), so the executor can retry on a
    GPU node. allow_cpu (HF_VLM_ALLOW_CPU=1, which revo never passes) is for checking the code path."""
    if cuda_available or is_tiny(p) or allow_cpu:
        return
    raise TransientFailure(
        f"no CUDA device visible (CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')}): "
        f"{p['model_name_or_path']} is not run on a CPU; exit 75 so the executor can retry on a GPU node")


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


# ---------------------------------------------------------------- images

def image_root_for(image_root, dataset):
    """The image folder of a dataset: one folder for all, or {dataset: folder} with "*" for the rest."""
    if isinstance(image_root, dict):
        return image_root.get(dataset, image_root.get("*"))
    return image_root


def find_image(image, root):
    """The image file for a sample's image ref, or None: tries the given path, its base name, and
    the 12-digit COCO file name of its id under root."""
    if not root or not image:
        return None
    cands = []
    path = image.get("path")
    if path:
        cands += [os.path.join(root, path), os.path.join(root, os.path.basename(path))]
    iid = image.get("id")
    if iid and re.fullmatch(r"\d+", str(iid)):
        cands.append(os.path.join(root, f"{int(iid):012d}.jpg"))
    for c in cands:
        if os.path.isfile(c):
            return c
    return None


def has_image_ref(image):
    return bool(image) and bool(image.get("path") or image.get("id"))


class ImageCensus:
    """Per dataset: records with an image reference, and how many of those have a file. A real VLM
    tuned or evaluated without its pixels is a silently different experiment, so a non-tiny run
    fails when any dataset misses more than `max_missing` of its images."""

    def __init__(self):
        self.counts = {}

    def resolve(self, dataset, image, image_root):
        c = self.counts.setdefault(dataset, {"referenced": 0, "found": 0, "missing": 0, "first_missing": None})
        if not has_image_ref(image):
            return None
        c["referenced"] += 1
        path = find_image(image, image_root_for(image_root, dataset))
        if path:
            c["found"] += 1
        else:
            c["missing"] += 1
            if c["first_missing"] is None:
                c["first_missing"] = image.get("path") or image.get("id")
        return path

    def summary(self):
        return {d: {k: v for k, v in c.items() if k != "first_missing"} for d, c in sorted(self.counts.items())}

    def check(self, p):
        """Raises BadRequest for a non-tiny model when images are missing beyond the threshold."""
        if is_tiny(p):
            return
        bad = []
        for d, c in sorted(self.counts.items()):
            if c["referenced"] and c["missing"] / c["referenced"] > p["max_missing_images"]:
                bad.append(f"{d}: {c['missing']} of {c['referenced']} image files missing under "
                           f"{image_root_for(p['image_root'], d)!r} (first: {c['first_missing']})")
        if bad:
            raise BadRequest(f"images missing beyond max_missing_images={p['max_missing_images']}: " + "; ".join(bad))


def check_image_root(p, datasets):
    """A non-tiny model needs its images: image_root is required (per dataset when it is a mapping)."""
    if is_tiny(p):
        return
    if p["image_root"] is None:
        raise BadRequest(f"image_root is required for model {p['model_name_or_path']!r} (a folder, or {{dataset: folder}})")
    missing = sorted(d for d in datasets if image_root_for(p["image_root"], d) is None)
    if missing:
        raise BadRequest(f"image_root has no folder for dataset(s) {', '.join(missing)} (add them or a \"*\" entry)")
    for d in sorted(datasets):
        root = image_root_for(p["image_root"], d)
        if not os.path.isdir(root):
            raise BadRequest(f"image_root for {d} is not a folder: {root}")


# ---------------------------------------------------------------- LLaVA-1.5 conversations

IMAGE_TOKEN = "<image>"
EOS_TEXT = "</s>"


def clean_text(s):
    """Data text never injects the image placeholder or an end of sequence of its own."""
    return s.replace(IMAGE_TOKEN, "").replace(EOS_TEXT, "").strip()


def conversation_segments(turns, system, has_image, context=None):
    """LLaVA-1.5's (vicuna_v1) format as (text, supervised) segments:
    `{system} USER: <image>\\n{q1} ASSISTANT: {a1}</s>USER: {q2} ASSISTANT: {a2}</s>`.
    turns: [(instruction, answer)], the last answer may be None (a prompt to be answered).
    The image goes before the first question; without one, the context stands in for it."""
    segs = []
    for i, (q, a) in enumerate(turns):
        q = clean_text(q)
        if i == 0:
            if has_image:
                q = f"{IMAGE_TOKEN}\n{q}"
            elif context and context.strip():
                q = f"Image description: {clean_text(context)}\n{q}"
            head = f"{system.strip()} " if system and system.strip() else ""
            segs.append((f"{head}USER: {q} ASSISTANT:", False))
        else:
            segs.append((f"USER: {q} ASSISTANT:", False))
        if a is not None:
            segs.append((f" {clean_text(a)}{EOS_TEXT}", True))
    return segs


def training_turns(sample):
    """(turns, dropped): each turn trained on its first reference. A turn without one ends the
    conversation there (its answer is unknown, and the later turns depend on it)."""
    turns = []
    for i, t in enumerate(sample["turns"]):
        refs = [r for r in t.get("references", []) if isinstance(r, str) and r.strip()]
        if not refs:
            return turns, len(sample["turns"]) - i
        turns.append((t["instruction"], refs[0]))
    return turns, 0


def answer_turns(item, drop_history=0):
    """The item's earlier turns (as given in the data) and its instruction, awaiting the answer."""
    hist = item.get("history", [])[drop_history:]
    return [(h["instruction"], h["response"]) for h in hist] + [(item["instruction"], None)]


def prompt_text(segments):
    return "".join(t for t, _ in segments)


def _common_prefix(a, b):
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def tokenize_with_labels(segments, tokenize):
    """Tokenize the whole conversation at once (as the model will read it) and supervise exactly
    the tokens of the answer segments. The boundaries are where the tokenization of the text up to
    a segment's start / end stops agreeing with the whole's, so a tokenizer that merges across a
    boundary (SentencePiece's leading space) never shifts a label, and nothing is tokenized alone."""
    full = prompt_text(segments)
    ids = list(tokenize(full))
    labels = [IGNORE] * len(ids)
    pos = 0
    for text, supervised in segments:
        start, pos = pos, pos + len(text)
        if not supervised:
            continue
        a = _common_prefix(tokenize(full[:start]), ids)
        b = _common_prefix(tokenize(full[:pos]), ids)
        for k in range(a, b):
            labels[k] = ids[k]
    return ids, labels


def expand_image_tokens(ids, labels, image_id, n):
    """Each image placeholder id becomes the n ids the vision tower's features replace (never trained on)."""
    out_ids, out_labels = [], []
    for i, l in zip(ids, labels):
        if i == image_id:
            out_ids += [image_id] * n
            out_labels += [IGNORE] * n
        else:
            out_ids.append(i)
            out_labels.append(l)
    return out_ids, out_labels


def truncate_end(ids, labels, max_length, image_id=None):
    """Keep the beginning (system, image, first question), cut the end; None when nothing is left
    to learn or the cut would split an image's tokens (the model needs all of them or none)."""
    if len(ids) > max_length:
        if image_id is not None and image_id in ids[max_length:]:
            return None
        ids, labels = ids[:max_length], labels[:max_length]
    if not any(l != IGNORE for l in labels[1:]):  # position 0 is never predicted
        return None
    return ids, labels


class ByteTokenizer:
    """The tiny model's tokenizer, with nothing to download: UTF-8 bytes, BOS first, and the
    strings <image> and </s> as their special ids (the way a real tokenizer treats them)."""
    PAD, BOS, EOS, IMAGE = 256, 257, 258, 259
    VOCAB = 260
    _SPECIAL = re.compile(r"(<image>|</s>)")

    def __call__(self, text):
        ids = [self.BOS]
        for part in self._SPECIAL.split(text):
            if part == IMAGE_TOKEN:
                ids.append(self.IMAGE)
            elif part == EOS_TEXT:
                ids.append(self.EOS)
            elif part:
                ids += list(part.encode("utf-8"))
        return ids

    def decode(self, ids):
        out = []
        for i in ids:
            if i == self.EOS:
                break
            if i < 256:
                out.append(i)
        return bytes(out).decode("utf-8", errors="replace").strip()


# ---------------------------------------------------------------- the step plan and schedule

def steps_per_epoch(n, micro, accum):
    return max(1, math.ceil(n / (micro * accum)))


def total_steps(n, p):
    if p["max_steps"]:
        return p["max_steps"]
    return max(1, math.ceil(steps_per_epoch(n, p["micro_batch_size"], p["grad_accum"]) * p["epochs"]))


def epoch_order(n, seed, epoch):
    """The data order is a function of (seed, epoch), so a resumed run sees the batches it would have."""
    idx = list(range(n))
    random.Random(seed * 1000003 + epoch).shuffle(idx)
    return idx


def step_batches(n, p, step):
    """The micro-batches (lists of example indices) of optimizer step `step` (0-based): consecutive
    slices of the epoch's order, never repeating one; an epoch's last step may be smaller."""
    micro, accum = p["micro_batch_size"], p["grad_accum"]
    epoch, k = divmod(step, steps_per_epoch(n, micro, accum))
    idx = epoch_order(n, p["seed"], epoch)
    start = k * micro * accum
    chunks = [idx[start + a * micro: start + (a + 1) * micro] for a in range(accum)]
    return epoch, [c for c in chunks if c]


def warmup_steps(total, ratio):
    return math.ceil(total * ratio)


def lr_factor(step, total, warmup_ratio, kind):
    """The learning-rate multiplier for the optimizer step after `step` scheduler steps, as
    transformers' get_*_schedule_with_warmup (which LLaVA's trainer uses): linear warm-up over
    ceil(total * ratio) steps, then cosine to 0, linear to 0, or constant."""
    w = warmup_steps(total, warmup_ratio)
    if step < w:
        return step / max(1, w)
    if kind == "constant":
        return 1.0
    progress = (step - w) / max(1, total - w)
    if kind == "linear":
        return max(0.0, 1.0 - progress)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


# ---------------------------------------------------------------- LoRA targets

def lora_target_regex(names):
    """peft fully matches a string target against module names: only the language model's
    layers named so (LLaVA-1.5 puts LoRA on the LLM's linear layers, never on the vision tower,
    the projector or lm_head). Works for both module layouts transformers has used for LLaVA
    (language_model.model.layers... and model.language_model.layers...)."""
    alts = "|".join(re.escape(n) for n in names)
    return rf".*language_model\..*\.({alts})"


PROJECTOR = "multi_modal_projector"


# ---------------------------------------------------------------- exit codes

_TRANSIENT_TYPES = {
    "OutOfMemoryError",  # torch.cuda.OutOfMemoryError
    "MemoryError",
    "TimeoutError", "timeout",  # socket
    "ReadTimeout", "ConnectTimeout", "Timeout", "ConnectionError",  # requests / urllib3
    "TimeoutException", "ReadTimeoutError", "ConnectTimeoutError", "PoolTimeout", "ConnectError", "RemoteProtocolError",  # httpx
    "TransientFailure",
}
_TRANSIENT_TEXT = (
    "out of memory",  # "CUDA out of memory", "CUDA error: out of memory"
    "cuda-capable device(s) is/are busy or unavailable",
    "all cuda-capable devices are busy",
    "cudaerrordevicesunavailable",
    "cublas_status_alloc_failed",
    "read timed out", "connection timed out", "timed out",
    "502 server error", "503 server error", "504 server error", "429 client error",
)


def _chain(exc):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def exit_code_for(exc):
    """(exit code, one-line reason): 75 for what another attempt may not meet (GPU memory, a busy
    or absent GPU, the Hub timing out or overloaded), anywhere in the exception's chain; 2 for a
    bad request; 1 for the rest."""
    chain = _chain(exc)
    if isinstance(exc, BadRequest):
        return EXIT_BAD_REQUEST, f"bad request: {exc}"
    for e in chain:
        name = type(e).__name__
        text = str(e).lower()
        status = getattr(getattr(e, "response", None), "status_code", None)
        if name in _TRANSIENT_TYPES or any(t in text for t in _TRANSIENT_TEXT) or status in (429, 500, 502, 503, 504):
            first = str(e).strip().splitlines()[0] if str(e).strip() else name
            return EXIT_TEMPFAIL, f"transient failure ({name}): {first}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return EXIT_FAILED, f"failed ({type(exc).__name__}): {first}"


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
    for s in steps[:-keep] if keep > 0 else []:
        shutil.rmtree(checkpoint_dir(root, s), ignore_errors=True)


def fingerprint(path, params):
    """Checkpoints belong to one (tune set, params) pair."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()
