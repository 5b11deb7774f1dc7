"""The torch side of hf-vlm: build or load a LLaVA-style model, fine-tune it the way LLaVA-1.5 does
(LoRA on the language model's linear layers, the projector trained at its own learning rate, the
vision tower frozen, cosine schedule with warm-up, gradient checkpointing), checkpoint every N
steps and resume exactly, and answer with fixed greedy decoding in batches.
The pure parts (prompts, label masks, truncation, step plan, schedule) are in protocol.py."""
import json
import math
import os
import random
import shutil
import time

import torch

import protocol as P

MODEL_FILE = "revo-model.json"


# ---------------------------------------------------------------- reproducibility

def seed_everything(seed):
    random.seed(seed)
    try:
        import numpy as np
        np.random.seed(seed % (2 ** 32))
    except ImportError:
        pass
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def rng_state():
    st = {"python": random.getstate(), "torch": torch.get_rng_state()}
    try:
        import numpy as np
        st["numpy"] = np.random.get_state()
    except ImportError:
        pass
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def set_rng_state(st):
    random.setstate(st["python"])
    torch.set_rng_state(st["torch"])
    if "numpy" in st:
        import numpy as np
        np.random.set_state(st["numpy"])
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


# ---------------------------------------------------------------- device

def device_and_dtype(p):
    if torch.cuda.is_available():
        torch.zeros(1, device="cuda")  # a busy or broken GPU fails here (exit 75), not mid-run
        dtype = torch.bfloat16 if p["bf16"] and torch.cuda.is_bf16_supported() else torch.float32
        return torch.device("cuda"), dtype
    P.require_gpu(p, False, os.environ.get("HF_VLM_ALLOW_CPU") == "1")
    return torch.device("cpu"), torch.float32


def _dtype_kwargs(dtype):
    """transformers 4.56 renamed from_pretrained's torch_dtype to dtype (5.x keeps only the new name working quietly)."""
    import transformers
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}


# ---------------------------------------------------------------- codecs: conversation + image -> ids, labels, pixels

class TinyCodec:
    """The tiny model's tokenizer (bytes) and image preprocessing (resize, normalise)."""

    def __init__(self, tiny):
        self.tok = P.ByteTokenizer()
        self.image_size = tiny["image_size"]
        self.n_image = (tiny["image_size"] // tiny["patch_size"]) ** 2
        self.pad_id, self.eos_id, self.image_id = P.ByteTokenizer.PAD, P.ByteTokenizer.EOS, P.ByteTokenizer.IMAGE

    def encode(self, segments, image_path, pixels=True):
        ids, labels = P.tokenize_with_labels(segments, self.tok)
        if image_path:
            ids, labels = P.expand_image_tokens(ids, labels, self.image_id, self.n_image)
        pix = self.pixels(image_path) if image_path and pixels else None
        return ids, labels, pix

    def pixels(self, path):
        import numpy as np
        from PIL import Image
        im = Image.open(path).convert("RGB").resize((self.image_size, self.image_size))
        t = torch.from_numpy(np.asarray(im, dtype=np.float32).copy())
        return ((t / 255.0 - 0.5) / 0.5).permute(2, 0, 1)

    def decode(self, ids):
        return self.tok.decode(ids)

    def save(self, out):
        pass


def pad_to_square(img, mean):
    """LLaVA-1.5 pads an image to a square with the processor's mean colour (image_aspect_ratio
    "pad") before the CLIP processor resizes it, so no part of the image is cropped away."""
    from PIL import Image
    w, h = img.size
    if w == h:
        return img
    side = max(w, h)
    bg = tuple(int(round(m * 255)) for m in mean)
    out = Image.new(img.mode, (side, side), bg)
    out.paste(img, ((side - w) // 2, (side - h) // 2))
    return out


class ProcessorCodec:
    """A pretrained model's own processor: its tokenizer for the conversation (tokenized whole,
    labels from protocol.tokenize_with_labels) and its image processor and image-token expansion,
    checked to agree with ours token for token."""

    def __init__(self, processor, image_id):
        from PIL import Image
        self.processor = processor
        tok = processor.tokenizer
        if tok.pad_token_id is None:
            tok.pad_token = tok.unk_token if tok.unk_token is not None else tok.eos_token
        self.pad_id, self.eos_id, self.image_id = tok.pad_token_id, tok.eos_token_id, image_id
        ip = getattr(processor, "image_processor", None)
        self.mean = tuple(getattr(ip, "image_mean", None) or (0.5, 0.5, 0.5))
        # how many ids one <image> becomes: measured on the processor itself, not assumed (576 for llava-1.5)
        probe = processor(images=[Image.new("RGB", (64, 64))], text=P.IMAGE_TOKEN, return_tensors="pt")
        self.n_image = probe["input_ids"][0].tolist().count(image_id)
        if self.n_image < 1:
            raise RuntimeError(f"the processor does not expand {P.IMAGE_TOKEN} into image tokens (id {image_id})")

    def _tok(self, text):
        return self.processor.tokenizer(text, add_special_tokens=True)["input_ids"]

    def encode(self, segments, image_path, pixels=True):
        from PIL import Image
        ids, labels = P.tokenize_with_labels(segments, self._tok)
        if not image_path:
            return ids, labels, None
        ids, labels = P.expand_image_tokens(ids, labels, self.image_id, self.n_image)
        if not pixels:
            return ids, labels, None
        img = pad_to_square(Image.open(image_path).convert("RGB"), self.mean)
        enc = self.processor(images=[img], text=P.prompt_text(segments), return_tensors="pt")
        ref = enc["input_ids"][0].tolist()
        if ref != ids:
            raise RuntimeError(f"the processor's ids differ from the tokenizer's for {image_path} "
                               f"({len(ref)} vs {len(ids)} ids): labels would be misaligned")
        return ids, labels, enc["pixel_values"][0]

    def decode(self, ids):
        return self.processor.tokenizer.decode(ids, skip_special_tokens=True).strip()

    def save(self, out):
        self.processor.save_pretrained(out)


# ---------------------------------------------------------------- model

def build_tiny(p):
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration
    t = p["tiny"]
    B = P.ByteTokenizer
    vision = CLIPVisionConfig(hidden_size=t["hidden_size"], intermediate_size=t["hidden_size"] * 4,
                              num_hidden_layers=t["layers"], num_attention_heads=t["heads"],
                              image_size=t["image_size"], patch_size=t["patch_size"], projection_dim=t["hidden_size"])
    text = LlamaConfig(vocab_size=B.VOCAB, hidden_size=t["hidden_size"], intermediate_size=t["hidden_size"] * 4,
                       num_hidden_layers=t["layers"], num_attention_heads=t["heads"], num_key_value_heads=t["heads"],
                       max_position_embeddings=4096, pad_token_id=B.PAD, bos_token_id=B.BOS, eos_token_id=B.EOS)
    codec = TinyCodec(t)
    # image_seq_length must be the number of image tokens the codec writes ("default" drops CLS)
    cfg = LlavaConfig(vision_config=vision, text_config=text, image_token_index=B.IMAGE, vision_feature_layer=-1,
                      vision_feature_select_strategy="default", image_seq_length=codec.n_image)
    cfg.pad_token_id = B.PAD
    return LlavaForConditionalGeneration(cfg), codec


def image_token_id(config):
    for name in ("image_token_id", "image_token_index"):
        v = getattr(config, name, None)
        if isinstance(v, int):
            return v
    raise RuntimeError("the model config names no image token id")


def base_model(p, dtype):
    """(model, codec). tiny: fp32 master weights (bf16 comes from autocast); pretrained: its dtype."""
    if P.is_tiny(p):
        return build_tiny(p)
    from transformers import AutoProcessor, LlavaForConditionalGeneration
    model = LlavaForConditionalGeneration.from_pretrained(p["model_name_or_path"], **_dtype_kwargs(dtype))
    processor = AutoProcessor.from_pretrained(p["model_name_or_path"])
    return model, ProcessorCodec(processor, image_token_id(model.config))


def prepare_for_training(model, p, events):
    """LLaVA-1.5's split of what trains: never the vision tower; the projector always (at
    mm_projector_lr); the language model through LoRA on its linear layers, or fully."""
    model.config.use_cache = False
    if getattr(model.config, "text_config", None) is not None:
        model.config.text_config.use_cache = False
    if p["gradient_checkpointing"]:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    for _, q in model.named_parameters():
        q.requires_grad = False
    if p["lora"]:
        from peft import LoraConfig, get_peft_model
        cfg = LoraConfig(r=p["lora_r"], lora_alpha=p["lora_alpha"], lora_dropout=p["lora_dropout"], bias="none",
                         target_modules=P.lora_target_regex(p["lora_target_modules"]), modules_to_save=[P.PROJECTOR])
        model = get_peft_model(model, cfg)
    else:
        for n, q in model.named_parameters():
            q.requires_grad = "vision_tower" not in n
    # fp32 master weights for what trains (AdamW on bf16 weights loses small updates); autocast computes in bf16
    for q in model.parameters():
        if q.requires_grad and q.dtype != torch.float32:
            q.data = q.data.float()
    counts = {"vision_tower": 0, "projector": 0, "lora": 0, "language_model": 0}
    for n, q in model.named_parameters():
        if q.requires_grad:
            key = "vision_tower" if "vision_tower" in n else "projector" if P.PROJECTOR in n else "lora" if "lora_" in n else "language_model"
            counts[key] += q.numel()
    if counts["vision_tower"] or not counts["projector"] or (p["lora"] and not counts["lora"]):
        raise RuntimeError(f"unexpected trainable parameters {counts}: the LoRA targets or the projector name do not fit this model")
    events.log(f"trainable parameters: {counts}")
    return model, counts


def optimizer_for(model, p):
    lr, mm_lr = p["learning_rate"], p["mm_projector_lr"] if p["mm_projector_lr"] is not None else p["learning_rate"]
    groups = {}
    for n, q in model.named_parameters():
        if not q.requires_grad:
            continue
        proj = P.PROJECTOR in n
        decay = q.ndim >= 2  # no weight decay on biases and norms, as transformers' Trainer
        g = groups.setdefault((proj, decay), {"params": [], "lr": mm_lr if proj else lr, "weight_decay": p["weight_decay"] if decay else 0.0})
        g["params"].append(q)
    ordered = [groups[k] for k in sorted(groups)]
    return torch.optim.AdamW(ordered, lr=lr, betas=(0.9, 0.999), eps=1e-8)


def trainable_state(model):
    return {n: q.detach().cpu().clone() for n, q in model.named_parameters() if q.requires_grad}


# ---------------------------------------------------------------- batches

def collate(encoded, pad_id, left_pad=False):
    n = max(len(ids) for ids, _, _ in encoded)
    ids_, labels_, mask_ = [], [], []
    for ids, labels, _ in encoded:
        k = n - len(ids)
        if left_pad:
            ids_.append([pad_id] * k + ids); labels_.append([P.IGNORE] * k + labels); mask_.append([0] * k + [1] * len(ids))
        else:
            ids_.append(ids + [pad_id] * k); labels_.append(labels + [P.IGNORE] * k); mask_.append([1] * len(ids) + [0] * k)
    pix = [px for _, _, px in encoded if px is not None]
    return {"input_ids": torch.tensor(ids_), "labels": torch.tensor(labels_), "attention_mask": torch.tensor(mask_),
            "pixel_values": torch.stack(pix) if pix else None}


def to_device(batch, device, dtype):
    out = {}
    for k, v in batch.items():
        if v is None:
            continue
        out[k] = v.to(device, dtype=dtype) if k == "pixel_values" else v.to(device)
    return out


def token_loss_sum(logits, labels):
    """Summed next-token cross-entropy over supervised tokens (fp32): the step divides by the
    step's supervised-token count, so accumulated micro-batches weigh each token once."""
    shift_logits = logits[:, :-1, :].float()
    shift_labels = labels[:, 1:]
    return torch.nn.functional.cross_entropy(shift_logits.reshape(-1, shift_logits.size(-1)), shift_labels.reshape(-1),
                                             ignore_index=P.IGNORE, reduction="sum")


# ---------------------------------------------------------------- tune

def training_examples(samples, p, codec, census):
    """One example per conversation (LLaVA-1.5's format, every answer supervised); those with
    nothing left to learn after truncation are dropped and counted."""
    stats = {"conversations": 0, "turns": 0, "turns_without_reference": 0, "no_target": 0, "truncated": 0}
    out = []
    for s in samples:
        turns, dropped = P.training_turns(s)
        stats["turns_without_reference"] += dropped
        img = census.resolve(s["dataset"], s.get("image"), p["image_root"])
        if not turns:
            stats["no_target"] += 1
            continue
        segs = P.conversation_segments(turns, p["system_prompt"], img is not None, s.get("context"))
        ids, labels, _ = codec.encode(segs, img, pixels=False)
        cut = P.truncate_end(ids, labels, p["max_length"], codec.image_id if img else None)
        if cut is None:
            stats["no_target"] += 1
            continue
        stats["truncated"] += len(cut[0]) < len(ids)
        stats["conversations"] += 1
        stats["turns"] += len(turns)
        out.append({"id": f"{s['dataset']}/{s['id']}", "segments": segs, "image": img})
    return out, stats


def tune(req, events):
    p = req["params"]
    device, dtype = device_and_dtype(p)
    samples = P.read_jsonl(req["inputs"]["tuneSet"])
    if not samples:
        raise P.BadRequest("the tune set is empty")
    P.check_image_root(p, {s["dataset"] for s in samples})
    seed_everything(p["seed"])  # before the model: tiny's weights and LoRA's init are random
    model, codec = base_model(p, dtype)
    census = P.ImageCensus()
    examples, stats = training_examples(samples, p, codec, census)
    events.log(f"images per dataset: {json.dumps(census.summary(), sort_keys=True)}")
    census.check(p)
    if not examples:
        raise P.BadRequest(f"no conversation has a supervised token within max_length={p['max_length']} ({stats})")
    with_images = sum(1 for e in examples if e["image"])
    events.log(f"{stats['conversations']} conversations ({with_images} with an image), {stats['turns']} turns; "
               f"dropped: {stats['no_target']} with no target left, {stats['turns_without_reference']} turns without a reference; "
               f"{stats['truncated']} truncated at max_length {p['max_length']}; on {device} {dtype}")

    model, counts = prepare_for_training(model, p, events)
    model.to(device)
    params = [q for q in model.parameters() if q.requires_grad]
    opt = optimizer_for(model, p)
    n = len(examples)
    total = P.total_steps(n, p)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: P.lr_factor(s, total, p["warmup_ratio"], p["lr_scheduler"]))

    # resume from the newest complete checkpoint of this same (tune set, params)
    ckroot = req["checkpointDir"]
    os.makedirs(ckroot, exist_ok=True)
    fp = P.fingerprint(req["inputs"]["tuneSet"], p)
    state_file = os.path.join(ckroot, "fingerprint")
    if not os.path.isfile(state_file) or open(state_file).read() != fp:
        shutil.rmtree(ckroot, ignore_errors=True)
        os.makedirs(ckroot)
        with open(state_file, "w") as f:
            f.write(fp)
    step, skipped = 0, 0
    latest = P.latest_checkpoint(ckroot)
    if latest:
        step, path = latest
        st = torch.load(os.path.join(path, "state.pt"), map_location="cpu", weights_only=False)
        want = {n_ for n_, q in model.named_parameters() if q.requires_grad}
        missing, unexpected = sorted(want - set(st["model"])), sorted(set(st["model"]) - want)
        if missing or unexpected:
            raise RuntimeError(f"checkpoint {path} does not fit the model: missing {missing[:3]}, unexpected {unexpected[:3]}")
        result = model.load_state_dict(st["model"], strict=False)
        if result.unexpected_keys or any(k in want for k in result.missing_keys):
            raise RuntimeError(f"checkpoint {path} did not load: {result}")
        opt.load_state_dict(st["optimizer"])
        sched.load_state_dict(st["scheduler"])
        set_rng_state(st["rng"])
        skipped = st.get("skipped", 0)
        events.log(f"resumed from checkpoint step {step} of {total}")

    model.train()
    t0 = time.time()
    last_loss = None
    while step < total:
        ts = time.time()
        _, chunks = P.step_batches(n, p, step)
        encoded = [[codec.encode(examples[i]["segments"], examples[i]["image"]) for i in c] for c in chunks]
        encoded = [[(P.truncate_end(ids, lab, p["max_length"]) or (ids, lab)) + (px,) for ids, lab, px in mb] for mb in encoded]
        n_tokens = sum(sum(1 for l in lab[1:] if l != P.IGNORE) for mb in encoded for _, lab, _ in mb)
        opt.zero_grad(set_to_none=True)
        loss_total = 0.0
        for mb in encoded:
            batch = to_device(collate(mb, codec.pad_id), device, dtype)
            labels = batch.pop("labels")
            with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
                logits = model(**batch).logits
            loss = token_loss_sum(logits, labels) / max(1, n_tokens)
            loss.backward()
            loss_total += loss.item()
        grad_norm = float(torch.nn.utils.clip_grad_norm_(params, 1.0))
        lr = sched.get_last_lr()[0]
        if math.isfinite(loss_total) and math.isfinite(grad_norm):
            opt.step()
            last_loss = loss_total
        else:
            # a NaN step would write NaN into every trainable weight: skip it and say so
            skipped += 1
            opt.zero_grad(set_to_none=True)
            events.log(f"step {step + 1}: non-finite loss {loss_total} or gradient norm {grad_norm}; step skipped", level="warn")
        sched.step()
        step += 1
        shown = f"{loss_total:.4f}" if math.isfinite(loss_total) else "non-finite"
        events.progress(step, total, f"loss {shown}")
        events.log(f"step {step} loss {shown} lr {lr:.3g} tokens {n_tokens} grad_norm {grad_norm:.3g} {time.time() - ts:.2f}s", level="debug")
        if step % p["save_every"] == 0 or step == total:
            save_checkpoint(ckroot, step, model, opt, sched, skipped, p, events)

    if skipped > max(1, 0.1 * total):
        raise RuntimeError(f"training diverged: {skipped} of {total} steps had a non-finite loss or gradient")
    save_model(req["outputs"]["modelDir"], model, codec, p, dtype)
    events.result(steps=total, skipped_steps=skipped, examples=len(examples), with_images=with_images, **stats,
                  images=census.summary(), trainable=counts, seconds=round(time.time() - t0, 1),
                  final_loss=P.finite_or_none(last_loss), decoding=P.DECODING)


def save_checkpoint(root, step, model, opt, sched, skipped, p, events):
    final = P.checkpoint_dir(root, step)
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    torch.save({"model": trainable_state(model), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                "rng": rng_state(), "step": step, "skipped": skipped}, os.path.join(tmp, "state.pt"))
    open(os.path.join(tmp, "COMPLETE"), "w").close()
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    P.prune_checkpoints(root, p["keep_checkpoints"])
    events.checkpoint(step, final)


def save_model(out, model, codec, p, dtype):
    """tiny: the full model (LoRA merged in), so loading needs no seed-identical rebuild.
    pretrained + LoRA: the adapter and the trained projector (peft's modules_to_save); pretrained
    without LoRA: the full model in the run's dtype. The processor goes along for offline answers."""
    os.makedirs(out, exist_ok=True)
    tiny = P.is_tiny(p)
    fmt = "adapter" if p["lora"] and not tiny else "full"
    if p["lora"] and fmt == "full":
        model = model.merge_and_unload()
    if fmt == "full" and not tiny:
        model = model.to(dtype)
    model.save_pretrained(out)
    codec.save(out)
    with open(os.path.join(out, MODEL_FILE), "w") as f:
        json.dump({"params": p, "format": fmt, "decoding": P.DECODING}, f, indent=2, sort_keys=True)


def load_model(model_dir, device, dtype):
    with open(os.path.join(model_dir, MODEL_FILE)) as f:
        meta = json.load(f)
    p = meta["params"]
    if meta["format"] == "full":
        from transformers import LlavaForConditionalGeneration
        model = LlavaForConditionalGeneration.from_pretrained(model_dir, **_dtype_kwargs(torch.float32 if P.is_tiny(p) else dtype))
        if P.is_tiny(p):
            codec = TinyCodec(p["tiny"])
        else:
            from transformers import AutoProcessor
            codec = ProcessorCodec(AutoProcessor.from_pretrained(model_dir), image_token_id(model.config))
    else:
        from peft import PeftModel
        model, codec = base_model(p, dtype)
        model = PeftModel.from_pretrained(model, model_dir).merge_and_unload()
    model.config.use_cache = True
    return model.to(device).eval(), codec, p


# ---------------------------------------------------------------- answer

def answer(req, events):
    p = req["params"]
    device, dtype = device_and_dtype(p)
    model, codec, tp = load_model(req["inputs"]["modelDir"], device, dtype)
    items = P.read_jsonl(req["inputs"]["items"])
    # images come from where the answer params say (the eval data may live elsewhere than the tune data)
    image_root = p["image_root"] if p["image_root"] is not None else tp["image_root"]
    ap = dict(tp, image_root=image_root, max_missing_images=p["max_missing_images"])
    P.check_image_root(ap, {it["dataset"] for it in items})
    census = P.ImageCensus()
    examples, trimmed = [], 0
    for it in items:
        img = census.resolve(it["dataset"], it.get("image"), image_root)
        drop = 0
        while True:  # earlier turns give way first when the prompt is longer than max_length
            segs = P.conversation_segments(P.answer_turns(it, drop), tp["system_prompt"], img is not None, it.get("context"))
            ids, _, _ = codec.encode(segs, img, pixels=False)
            if len(ids) <= tp["max_length"] or drop >= len(it.get("history", [])):
                break
            drop += 1
        trimmed += drop > 0
        examples.append({"id": it["id"], "segments": segs, "image": img, "length": len(ids)})
    events.log(f"images per dataset: {json.dumps(census.summary(), sort_keys=True)}; {trimmed} prompts lost earlier turns to max_length")
    census.check(ap)
    # same shape together: image/no-image, then length, so batches pad little
    order = sorted(range(len(examples)), key=lambda i: (examples[i]["image"] is None, examples[i]["length"], i))
    preds = {}
    bs = p["answer_batch_size"]
    t0 = time.time()
    for b in range(0, len(order), bs):
        chunk = order[b:b + bs]
        enc = [codec.encode(examples[i]["segments"], examples[i]["image"]) for i in chunk]
        batch = to_device(collate(enc, codec.pad_id, left_pad=True), device, dtype)
        batch.pop("labels")
        with torch.no_grad(), torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
            out = model.generate(**batch, max_new_tokens=p["max_new_tokens"], pad_token_id=codec.pad_id,
                                 eos_token_id=codec.eos_id, **P.DECODING)
        n_in = batch["input_ids"].shape[1]
        for i, row in zip(chunk, out[:, n_in:].tolist()):
            preds[examples[i]["id"]] = codec.decode(row)
        events.progress(min(b + bs, len(order)), len(order), "answering")
    P.write_jsonl_atomic(req["outputs"]["predictions"], [{"id": it["id"], "prediction": preds[it["id"]]} for it in items])
    events.result(predictions=len(items), images=census.summary(), history_trimmed=trimmed, seconds=round(time.time() - t0, 1),
                  decoding=P.DECODING, max_new_tokens=p["max_new_tokens"])
