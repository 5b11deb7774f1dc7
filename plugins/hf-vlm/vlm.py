"""The torch side of hf-vlm: build or load a LLaVA-style model, fine-tune it (LoRA via peft, or
full), checkpoint every N steps and resume, and answer with fixed greedy decoding in batches."""
import json
import math
import os
import random
import shutil
import time

import torch

import protocol

MODEL_FILE = "revo-model.json"


# ---------------------------------------------------------------- codecs: text + image -> tensors

class ByteCodec:
    """Tokenizer and image preprocessing for the tiny model, with nothing to download:
    UTF-8 bytes plus four special tokens; images resized to a square and normalised."""
    PAD, BOS, EOS, IMAGE = 256, 257, 258, 259
    VOCAB = 260

    def __init__(self, image_size, patch_size):
        self.image_size = image_size
        self.n_image_tokens = (image_size // patch_size) ** 2
        self.pad_id, self.eos_id = self.PAD, self.EOS

    def _text(self, s):
        return list(s.encode("utf-8"))

    def encode(self, prompt, image_path, target, max_length):
        ids = [self.BOS] + ([self.IMAGE] * self.n_image_tokens if image_path else [])
        ids += self._text(f"USER: {prompt}\nASSISTANT: ")
        labels = [-100] * len(ids)
        if target is not None:
            t = self._text(target) + [self.EOS]
            ids, labels = ids + t, labels + t
        ids, labels = ids[-max_length:], labels[-max_length:]  # keep the end: the target
        pix = self.pixels(image_path) if image_path else None
        return {"input_ids": ids, "labels": labels, "pixel_values": pix}

    def pixels(self, path):
        from PIL import Image
        im = Image.open(path).convert("RGB").resize((self.image_size, self.image_size))
        t = torch.tensor(list(im.getdata()), dtype=torch.float32).view(self.image_size, self.image_size, 3)
        return ((t / 255.0 - 0.5) / 0.5).permute(2, 0, 1)

    def decode(self, ids):
        return bytes(i for i in ids if i < 256).decode("utf-8", errors="replace").strip()


class ProcessorCodec:
    """A pretrained model's own processor (which expands the image placeholder itself)."""

    def __init__(self, processor):
        self.processor = processor
        tok = processor.tokenizer
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token
        self.pad_id, self.eos_id = tok.pad_token_id, tok.eos_token_id

    def _prompt(self, prompt, has_image):
        content = ([{"type": "image"}] if has_image else []) + [{"type": "text", "text": prompt}]
        try:
            return self.processor.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True)
        except Exception:  # no chat template: the LLaVA-1.5 format
            return f"USER: {'<image>' + chr(10) if has_image else ''}{prompt} ASSISTANT:"

    def encode(self, prompt, image_path, target, max_length):
        from PIL import Image
        text = self._prompt(prompt, image_path is not None)
        images = [Image.open(image_path).convert("RGB")] if image_path else None
        enc = self.processor(text=text, images=images, return_tensors="pt")
        ids = enc["input_ids"][0].tolist()
        labels = [-100] * len(ids)
        if target is not None:
            t = self.processor.tokenizer(" " + target, add_special_tokens=False)["input_ids"] + [self.eos_id]
            ids, labels = ids + t, labels + t
        # never cut the prompt (it holds the expanded image tokens): truncate the target instead
        cut = max(max_length, len(enc["input_ids"][0]))
        pix = enc["pixel_values"][0] if images else None
        return {"input_ids": ids[:cut], "labels": labels[:cut], "pixel_values": pix}

    def decode(self, ids):
        return self.processor.tokenizer.decode(ids, skip_special_tokens=True).strip()


# ---------------------------------------------------------------- model

def device_and_dtype(p):
    if torch.cuda.is_available():
        dtype = torch.bfloat16 if p["bf16"] and torch.cuda.is_bf16_supported() else torch.float32
        return torch.device("cuda"), dtype
    return torch.device("cpu"), torch.float32


def build_tiny(p):
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration
    t = p["tiny"]
    vision = CLIPVisionConfig(hidden_size=t["hidden_size"], intermediate_size=t["hidden_size"] * 4,
                              num_hidden_layers=t["layers"], num_attention_heads=t["heads"],
                              image_size=t["image_size"], patch_size=t["patch_size"], projection_dim=t["hidden_size"])
    text = LlamaConfig(vocab_size=ByteCodec.VOCAB, hidden_size=t["hidden_size"], intermediate_size=t["hidden_size"] * 4,
                       num_hidden_layers=t["layers"], num_attention_heads=t["heads"], num_key_value_heads=t["heads"],
                       max_position_embeddings=4096, pad_token_id=ByteCodec.PAD, bos_token_id=ByteCodec.BOS,
                       eos_token_id=ByteCodec.EOS)
    cfg = LlavaConfig(vision_config=vision, text_config=text, image_token_index=ByteCodec.IMAGE,
                      vision_feature_layer=-1, vision_feature_select_strategy="default")
    cfg.pad_token_id = ByteCodec.PAD
    torch.manual_seed(p["seed"])
    return LlavaForConditionalGeneration(cfg), ByteCodec(t["image_size"], t["patch_size"])


def base_model(p, dtype):
    if p["model_name_or_path"] == "tiny":
        # fp32 master weights; bf16 comes from autocast (pure-bf16 AdamW on a fresh model barely learns)
        return build_tiny(p)
    from transformers import AutoProcessor, LlavaForConditionalGeneration
    model = LlavaForConditionalGeneration.from_pretrained(p["model_name_or_path"], torch_dtype=dtype)
    return model, ProcessorCodec(AutoProcessor.from_pretrained(p["model_name_or_path"]))


def with_lora(model, p):
    from peft import LoraConfig, get_peft_model
    cfg = LoraConfig(r=p["lora_r"], lora_alpha=p["lora_alpha"], lora_dropout=p["lora_dropout"],
                     target_modules=p["lora_target_modules"], bias="none")
    return get_peft_model(model, cfg)


def trainable_state(model):
    names = {n for n, q in model.named_parameters() if q.requires_grad}
    return {k: v.detach().cpu() for k, v in model.state_dict().items() if k in names}


# ---------------------------------------------------------------- batches

def collate(encoded, pad_id, left_pad=False):
    n = max(len(e["input_ids"]) for e in encoded)
    ids, labels, mask = [], [], []
    for e in encoded:
        k = n - len(e["input_ids"])
        pad = [pad_id] * k
        if left_pad:
            ids.append(pad + e["input_ids"]); labels.append([-100] * k + e["labels"]); mask.append([0] * k + [1] * len(e["input_ids"]))
        else:
            ids.append(e["input_ids"] + pad); labels.append(e["labels"] + [-100] * k); mask.append([1] * len(e["input_ids"]) + [0] * k)
    pix = [e["pixel_values"] for e in encoded if e["pixel_values"] is not None]
    return {
        "input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask),
        "pixel_values": torch.stack(pix) if pix else None,
    }


def to_device(batch, device, dtype):
    out = {}
    for k, v in batch.items():
        if v is None:
            continue
        out[k] = v.to(device, dtype=dtype) if k == "pixel_values" else v.to(device)
    return out


# ---------------------------------------------------------------- tune

def tune(req, events):
    p = req["params"]
    device, dtype = device_and_dtype(p)
    samples = protocol.read_jsonl(req["inputs"]["tuneSet"])
    if not samples:
        raise protocol.BadRequest("the tune set is empty")
    examples = protocol.training_examples(samples, p["image_root"])
    with_images = sum(1 for e in examples if e["image"])
    events.log(f"{len(examples)} examples ({with_images} with an image file) on {device} {dtype}")

    model, codec = base_model(p, dtype)
    use_lora = p["lora"]
    if use_lora:
        model = with_lora(model, p)
    model.to(device)
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(params, lr=p["learning_rate"], weight_decay=p["weight_decay"])

    per_epoch = math.ceil(len(examples) / (p["batch_size"] * p["grad_accum"]))
    total = p["max_steps"] or max(1, math.ceil(per_epoch * p["epochs"]))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, p["warmup_steps"])))

    # resume from the newest complete checkpoint of this same (tune set, params)
    ckroot = req["checkpointDir"]
    os.makedirs(ckroot, exist_ok=True)
    fp = protocol.fingerprint(req["inputs"]["tuneSet"], p)
    state_file = os.path.join(ckroot, "fingerprint")
    if not os.path.isfile(state_file) or open(state_file).read() != fp:
        shutil.rmtree(ckroot, ignore_errors=True)
        os.makedirs(ckroot)
        with open(state_file, "w") as f:
            f.write(fp)
    step = 0
    latest = protocol.latest_checkpoint(ckroot)
    if latest:
        step, path = latest
        st = torch.load(os.path.join(path, "state.pt"), map_location="cpu", weights_only=False)
        model.load_state_dict(st["model"], strict=False)
        opt.load_state_dict(st["optimizer"])
        sched.load_state_dict(st["scheduler"])
        events.log(f"resumed from checkpoint step {step} of {total}")

    # the data order is a function of (seed, epoch), so a resumed run sees the batches it would have
    def order(epoch):
        idx = list(range(len(examples)))
        random.Random(p["seed"] * 1000003 + epoch).shuffle(idx)
        return idx

    micro = p["batch_size"]
    model.train()
    t0 = time.time()
    loss_sum = None
    while step < total:
        epoch, k = divmod(step, per_epoch)
        idx = order(epoch)
        start = k * micro * p["grad_accum"]
        opt.zero_grad(set_to_none=True)
        loss_sum = 0.0
        for a in range(p["grad_accum"]):
            chunk = idx[start + a * micro: start + (a + 1) * micro] or idx[:micro]
            enc = [codec.encode(examples[i]["prompt"], examples[i]["image"], examples[i]["target"], p["max_length"]) for i in chunk]
            batch = to_device(collate(enc, codec.pad_id), device, dtype)
            with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
                loss = model(**batch).loss / p["grad_accum"]
            loss.backward()
            loss_sum += loss.item()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        events.progress(step, total, f"loss {loss_sum:.4f}")
        events.log(f"step {step} loss {loss_sum:.6f} lr {sched.get_last_lr()[0]:.3g}", level="debug")
        if step % p["save_every"] == 0 or step == total:
            save_checkpoint(ckroot, step, model, opt, sched, p, events)

    save_model(req["outputs"]["modelDir"], model, codec, p, use_lora)
    events.result(steps=total, examples=len(examples), with_images=with_images, seconds=round(time.time() - t0, 1),
                  final_loss=loss_sum, decoding=protocol.DECODING)


def save_checkpoint(root, step, model, opt, sched, p, events):
    final = protocol.checkpoint_dir(root, step)
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    torch.save({"model": trainable_state(model), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                "step": step}, os.path.join(tmp, "state.pt"))
    open(os.path.join(tmp, "COMPLETE"), "w").close()
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    protocol.prune_checkpoints(root, p["keep_checkpoints"])
    events.checkpoint(step, final)


def save_model(out, model, codec, p, use_lora):
    """tiny: the full model (LoRA merged in), so loading needs no seed-identical rebuild.
    pretrained + LoRA: the adapter only; pretrained without LoRA: the full model."""
    os.makedirs(out, exist_ok=True)
    fmt = "adapter" if use_lora and p["model_name_or_path"] != "tiny" else "full"
    if use_lora and fmt == "full":
        model = model.merge_and_unload()
    model.save_pretrained(out)
    with open(os.path.join(out, MODEL_FILE), "w") as f:
        json.dump({"params": p, "format": fmt, "decoding": protocol.DECODING}, f, indent=2, sort_keys=True)


def load_model(model_dir, device, dtype):
    with open(os.path.join(model_dir, MODEL_FILE)) as f:
        meta = json.load(f)
    p = meta["params"]
    if meta["format"] == "full":
        from transformers import LlavaForConditionalGeneration
        model = LlavaForConditionalGeneration.from_pretrained(model_dir)
        if p["model_name_or_path"] == "tiny":
            codec = ByteCodec(p["tiny"]["image_size"], p["tiny"]["patch_size"])
        else:
            from transformers import AutoProcessor
            codec = ProcessorCodec(AutoProcessor.from_pretrained(p["model_name_or_path"]))
    else:
        from peft import PeftModel
        model, codec = base_model(p, dtype)
        model = PeftModel.from_pretrained(model, model_dir).merge_and_unload()
    return model.to(device).eval(), codec, p


# ---------------------------------------------------------------- answer

def answer(req, events):
    p = req["params"]
    device, dtype = device_and_dtype(p)
    model, codec, tp = load_model(req["inputs"]["modelDir"], device, dtype)
    items = protocol.read_jsonl(req["inputs"]["items"])
    # images come from where the answer params say (the eval data may live elsewhere than the tune data)
    examples = protocol.answer_examples(items, p["image_root"] or tp["image_root"])
    # same shape together: image/no-image, then prompt length, so batches pad little
    order = sorted(range(len(examples)), key=lambda i: (examples[i]["image"] is None, len(examples[i]["prompt"]), i))
    preds = {}
    bs = p["answer_batch_size"]
    for b in range(0, len(order), bs):
        chunk = order[b:b + bs]
        enc = [codec.encode(examples[i]["prompt"], examples[i]["image"], None, p["max_length"]) for i in chunk]
        batch = to_device(collate(enc, codec.pad_id, left_pad=True), device, dtype)
        batch.pop("labels")
        with torch.no_grad(), torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
            out = model.generate(**batch, max_new_tokens=p["max_new_tokens"], pad_token_id=codec.pad_id,
                                 eos_token_id=codec.eos_id, **protocol.DECODING)
        n_in = batch["input_ids"].shape[1]
        for i, row in zip(chunk, out[:, n_in:].tolist()):
            preds[examples[i]["id"]] = codec.decode(row)
        events.progress(min(b + bs, len(order)), len(order), "answering")
    protocol.write_jsonl_atomic(req["outputs"]["predictions"], [{"id": it["id"], "prediction": preds[it["id"]]} for it in items])
    events.result(predictions=len(items), decoding=protocol.DECODING, max_new_tokens=p["max_new_tokens"])
