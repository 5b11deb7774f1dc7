"""Tests of hf-vlm's pure parts (no torch needed): python3 -m unittest discover -p 'test_*.py'"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import protocol as P  # noqa: E402

SAMPLES = os.path.join(HERE, "testdata", "tune.jsonl")
IMAGES = os.path.join(HERE, "testdata", "images")
SYSTEM = P.DEFAULTS["system_prompt"]


def write_request(d, op="tune", params=None, **over):
    req = {"protocol": 1, "op": op, "params": params or {}, "workDir": d, "checkpointDir": os.path.join(d, "checkpoints"),
           "inputs": {"tuneSet": SAMPLES} if op == "tune" else {"items": os.path.join(d, "items.jsonl"), "modelDir": d},
           "outputs": {"modelDir": os.path.join(d, "model")} if op == "tune" else {"predictions": os.path.join(d, "p.jsonl")}}
    req.update(over)
    path = os.path.join(d, "request.json")
    with open(path, "w") as f:
        json.dump(req, f)
    return path


def labelled_text(tok, ids, labels):
    """The supervised tokens, decoded: what the model is trained to say."""
    return tok.decode([i for i, l in zip(ids, labels) if l != P.IGNORE] + [P.ByteTokenizer.PAD])


class SentencePieceLike:
    """A tokenizer that behaves like LLaMA's SentencePiece where it matters here: BOS first, a
    space belongs to the word after it ("▁A1"), <image> and </s> are special tokens. Words are
    ids from a growing vocabulary, so the test sees exactly which pieces are labelled."""
    BOS, EOS, IMAGE = 1, 2, 32000

    def __init__(self):
        self.vocab, self.pieces = {}, {}

    def __call__(self, text):
        ids = [self.BOS]
        for part in re.split(r"(<image>|</s>)", text):
            if part == "<image>":
                ids.append(self.IMAGE)
            elif part == "</s>":
                ids.append(self.EOS)
            else:
                for piece in re.findall(r" ?[^ ]+| ", part):
                    piece = piece.replace(" ", "▁")
                    if piece not in self.vocab:
                        self.vocab[piece] = 100 + len(self.vocab)
                        self.pieces[self.vocab[piece]] = piece
                    ids.append(self.vocab[piece])
        return ids

    def show(self, ids):
        return [self.pieces.get(i, {self.BOS: "<s>", self.EOS: "</s>", self.IMAGE: "<image>"}.get(i)) for i in ids]


class ParamsTest(unittest.TestCase):
    def test_defaults_are_llava_1_5s_lora_recipe_and_the_manifests(self):
        p = P.resolve_params({})
        self.assertEqual({k: p[k] for k in ("lora", "lora_r", "lora_alpha", "lora_dropout", "learning_rate", "mm_projector_lr",
                                            "weight_decay", "warmup_ratio", "lr_scheduler", "max_length", "gradient_checkpointing")},
                         {"lora": True, "lora_r": 128, "lora_alpha": 256, "lora_dropout": 0.05, "learning_rate": 2e-4,
                          "mm_projector_lr": 2e-5, "weight_decay": 0, "warmup_ratio": 0.03, "lr_scheduler": "cosine",
                          "max_length": 2048, "gradient_checkpointing": True})
        self.assertEqual(p["lora_target_modules"], ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        self.assertTrue(SYSTEM.startswith("A chat between a curious human and an artificial intelligence assistant."))
        # every param the schema names has a default here, except the `model` shorthand
        with open(os.path.join(HERE, "revo-plugin.json")) as f:
            schema = json.load(f)["params"]
        self.assertEqual(sorted(schema["properties"]), sorted(list(p) + ["model"]))
        self.assertEqual(schema["additionalProperties"], False)

    def test_shorthand_and_nested(self):
        with tempfile.TemporaryDirectory() as d:
            p = P.read_request(write_request(d, params={"model": "tiny", "max_steps": 5, "tiny": {"layers": 1}}))["params"]
        self.assertEqual(p["model_name_or_path"], "tiny")
        self.assertEqual(p["max_steps"], 5)
        self.assertEqual(p["tiny"], {"hidden_size": 64, "layers": 1, "heads": 4, "image_size": 32, "patch_size": 8})
        self.assertEqual((p["micro_batch_size"], p["grad_accum"]), (4, 4))
        self.assertEqual(P.resolve_params({"image_root": {"okvqa": "/a", "*": "/b"}})["image_root"], {"okvqa": "/a", "*": "/b"})

    def test_bad_params_all_at_once_in_revo_validates_words(self):
        cases = [
            ({"lerning_rate": 1}, 'params.lerning_rate: Unknown key "lerning_rate"'),
            ({"micro_batch_size": "8"}, 'params.micro_batch_size: Expected an integer, got "8"'),
            ({"lora": 1}, "params.lora: Expected a boolean, got 1"),
            ({"micro_batch_size": True}, "params.micro_batch_size: Expected an integer, got true"),
            ({"save_every": 0}, "params.save_every: Expected a value >= 1, got 0"),
            ({"tiny": {"depth": 3}}, 'params.tiny.depth: Unknown key "depth"'),
            ({"lr_scheduler": "cosin"}, 'params.lr_scheduler: Expected one of "cosine", "linear", "constant", got "cosin"'),
            ({"image_root": 3}, "params.image_root: Expected null or a string or an object, got 3"),
            ({"checkpoint_every": 500, "decoding": {}}, 'params.checkpoint_every: Unknown key "checkpoint_every"; params.decoding: Unknown key "decoding"'),
            ({"model": "tiny", "model_name_or_path": "x"}, "give model or model_name_or_path, not both"),
        ]
        with tempfile.TemporaryDirectory() as d:
            for params, msg in cases:
                with self.assertRaises(P.BadRequest) as cm:
                    P.read_request(write_request(d, params=params))
                self.assertEqual(str(cm.exception), msg)

    def test_bad_requests(self):
        with tempfile.TemporaryDirectory() as d:
            for over, msg in [({"protocol": 2}, "protocol 2 is not 1"), ({"op": "train"}, "unknown op 'train'"),
                              ({"inputs": {}}, "tune request has no inputs.tuneSet")]:
                with self.assertRaises(P.BadRequest) as cm:
                    P.read_request(write_request(d, **over))
                self.assertEqual(str(cm.exception), msg)


class ConversationTest(unittest.TestCase):
    def test_llava_1_5_format_one_sequence_per_conversation(self):
        turns = [("<image>\nWhat is it?", "A cat."), ("And its colour?</s>", "Black.")]
        segs = P.conversation_segments(turns, SYSTEM, True)
        self.assertEqual(P.prompt_text(segs),
                         f"{SYSTEM} USER: <image>\nWhat is it? ASSISTANT: A cat.</s>USER: And its colour? ASSISTANT: Black.</s>")
        self.assertEqual([s for _, s in segs], [False, True, False, True])
        # no system prompt: the llava-hf chat template's form
        self.assertEqual(P.prompt_text(P.conversation_segments(turns[:1], "", False)), "USER: What is it? ASSISTANT: A cat.</s>")

    def test_context_stands_in_for_a_missing_image_only(self):
        segs = P.conversation_segments([("Q?", "A")], "", False, context="Two dogs on grass.")
        self.assertEqual(P.prompt_text(segs), "USER: Image description: Two dogs on grass.\nQ? ASSISTANT: A</s>")
        self.assertNotIn("description", P.prompt_text(P.conversation_segments([("Q?", "A")], "", True, context="x")))

    def test_eval_prompt_gives_earlier_turns_as_history(self):
        item = {"instruction": "Q3?", "history": [{"instruction": "<image>\nQ1?", "response": "A1"}, {"instruction": "Q2?", "response": "A2"}]}
        text = P.prompt_text(P.conversation_segments(P.answer_turns(item), SYSTEM, True))
        self.assertEqual(text, f"{SYSTEM} USER: <image>\nQ1? ASSISTANT: A1</s>USER: Q2? ASSISTANT: A2</s>USER: Q3? ASSISTANT:")
        # the oldest turns give way first; the image stays with the first user turn left
        self.assertEqual(P.prompt_text(P.conversation_segments(P.answer_turns(item, 1), "", True)),
                         "USER: <image>\nQ2? ASSISTANT: A2</s>USER: Q3? ASSISTANT:")

    def test_turns_without_a_reference_end_the_conversation(self):
        s = {"turns": [{"instruction": "Q1", "references": ["A1", "x"]}, {"instruction": "Q2", "references": []},
                       {"instruction": "Q3", "references": ["A3"]}]}
        self.assertEqual(P.training_turns(s), ([("Q1", "A1")], 2))
        self.assertEqual(P.training_turns({"turns": [{"instruction": "Q", "references": [" "]}]}), ([], 1))

    def test_real_samples(self):
        samples = P.read_jsonl(SAMPLES)
        self.assertGreaterEqual(len(samples), 200)
        multi = [s for s in samples if len(s["turns"]) >= 4]
        self.assertTrue(multi)
        for s in samples:
            turns, dropped = P.training_turns(s)
            self.assertEqual(dropped, 0)
            text = P.prompt_text(P.conversation_segments(turns, SYSTEM, True))
            self.assertEqual(text.count("<image>"), 1)
            self.assertEqual(text.count("</s>"), len(s["turns"]))
            self.assertEqual(text.count("USER: "), len(s["turns"]))


class LabelsTest(unittest.TestCase):
    def test_every_answer_supervised_and_nothing_else_bytes(self):
        tok = P.ByteTokenizer()
        segs = P.conversation_segments([("What is it?", "A cat."), ("Colour?", "Black.")], SYSTEM, True)
        ids, labels = P.tokenize_with_labels(segs, tok)
        self.assertEqual(ids, tok(P.prompt_text(segs)))
        self.assertEqual(labelled_text(tok, ids, labels), "A cat.")  # decode stops at the first </s>
        sup = [i for i, l in zip(ids, labels) if l != P.IGNORE]
        self.assertEqual(bytes(i for i in sup if i < 256).decode(), " A cat. Black.")
        self.assertEqual(sup.count(P.ByteTokenizer.EOS), 2)  # each answer's </s> is learned: the model learns to stop
        self.assertNotIn(P.ByteTokenizer.IMAGE, sup)
        self.assertEqual(labels[0], P.IGNORE)

    def test_sentencepiece_prefix_space_belongs_to_the_answer_not_a_lone_token(self):
        tok = SentencePieceLike()
        segs = P.conversation_segments([("What is it?", "A cat"), ("Colour?", "Black")], "", True)
        ids, labels = P.tokenize_with_labels(segs, tok)
        self.assertEqual(ids, tok(P.prompt_text(segs)))  # tokenized once, as a whole
        shown = tok.show([i for i, l in zip(ids, labels) if l != P.IGNORE])
        self.assertEqual(shown, ["▁A", "▁cat", "</s>", "▁Black", "</s>"])
        self.assertEqual(tok.show(ids[:4]), ["<s>", "USER:", "▁", "<image>"])

    def test_a_tokenizer_merging_across_the_boundary_never_labels_the_prompt(self):
        class Merging(SentencePieceLike):  # ":▁A" becomes one piece: the boundary falls inside a token
            def __call__(self, text):
                return super().__call__(text.replace(": A", ":A"))
        tok = Merging()
        segs = P.conversation_segments([("Q?", "A b")], "", False)
        ids, labels = P.tokenize_with_labels(segs, tok)
        shown = tok.show([i for i, l in zip(ids, labels) if l != P.IGNORE])
        self.assertEqual(shown[-2:], ["▁b", "</s>"])
        self.assertNotIn("USER:", "".join(shown))

    def test_image_expansion_and_truncation_of_the_end_only(self):
        tok = P.ByteTokenizer()
        segs = P.conversation_segments([("Q?", "A long answer here"), ("Q2?", "Second")], "", True)
        ids, labels = P.expand_image_tokens(*P.tokenize_with_labels(segs, tok), P.ByteTokenizer.IMAGE, 16)
        self.assertEqual(ids.count(P.ByteTokenizer.IMAGE), 16)
        first_image = ids.index(P.ByteTokenizer.IMAGE)
        # a cut in the second answer keeps the start (BOS, image, first question) and the first answer
        cut = len(ids) - 4
        kept_ids, kept_labels = P.truncate_end(ids, labels, cut, P.ByteTokenizer.IMAGE)
        self.assertEqual(kept_ids, ids[:cut])
        self.assertEqual(kept_ids[0], P.ByteTokenizer.BOS)
        self.assertEqual(kept_ids[first_image:first_image + 16], [P.ByteTokenizer.IMAGE] * 16)
        # a cut before the first answer leaves nothing to learn: dropped, not a loss over zero tokens
        prompt_len = next(i for i, l in enumerate(labels) if l != P.IGNORE)
        self.assertIsNone(P.truncate_end(ids, labels, prompt_len, P.ByteTokenizer.IMAGE))
        # a cut through the image tokens is never made
        self.assertIsNone(P.truncate_end(ids, labels, first_image + 5, P.ByteTokenizer.IMAGE))
        # short enough: unchanged
        self.assertEqual(P.truncate_end(ids, labels, 10_000), (ids, labels))

    def test_default_max_length_fits_a_llava_1_5_image_example(self):
        # 576 image tokens + system + a question + a long answer: well under 2048, so the target survives
        tok = SentencePieceLike()
        sample = next(s for s in P.read_jsonl(SAMPLES) if len(s["turns"]) >= 4)
        turns, _ = P.training_turns(sample)
        ids, labels = P.expand_image_tokens(*P.tokenize_with_labels(P.conversation_segments(turns, SYSTEM, True), tok), tok.IMAGE, 576)
        self.assertEqual(P.truncate_end(ids, labels, P.DEFAULTS["max_length"], tok.IMAGE), (ids, labels))
        # the old default (512) cannot even hold the image: such an example is dropped, never trained on zero tokens
        self.assertIsNone(P.truncate_end(ids, labels, 512, tok.IMAGE))


class PlanTest(unittest.TestCase):
    def test_each_example_once_per_epoch_no_repeats_last_step_smaller(self):
        p = P.resolve_params({"micro_batch_size": 3, "grad_accum": 2, "epochs": 2, "seed": 5})
        n = 20
        per = P.steps_per_epoch(n, 3, 2)
        self.assertEqual(per, 4)
        self.assertEqual(P.total_steps(n, p), 8)
        for epoch in range(2):
            seen = []
            for step in range(epoch * per, (epoch + 1) * per):
                e, chunks = P.step_batches(n, p, step)
                self.assertEqual(e, epoch)
                self.assertTrue(all(chunks))
                seen += [i for c in chunks for i in c]
            self.assertEqual(sorted(seen), list(range(n)))
        self.assertEqual([len(c) for c in P.step_batches(n, p, 3)[1]], [2])  # 20 = 3 full steps of 6 + 2
        self.assertNotEqual(P.step_batches(n, p, 0), P.step_batches(n, p, per))  # reshuffled per epoch
        self.assertEqual(P.step_batches(n, p, 5), P.step_batches(n, p, 5))  # a resumed run replays the same
        self.assertEqual(P.total_steps(n, dict(p, max_steps=3)), 3)

    def test_cosine_with_warmup_ratio_as_transformers(self):
        total = 1000
        w = P.warmup_steps(total, 0.03)
        self.assertEqual(w, 30)
        f = lambda s: P.lr_factor(s, total, 0.03, "cosine")  # noqa: E731
        self.assertEqual(f(0), 0.0)
        self.assertAlmostEqual(f(15), 0.5)
        self.assertEqual(f(30), 1.0)
        self.assertAlmostEqual(f(30 + 485), 0.5)
        self.assertAlmostEqual(f(1000), 0.0)
        self.assertTrue(all(f(s) >= f(s + 1) for s in range(30, 1000)))
        self.assertAlmostEqual(P.lr_factor(515, total, 0.03, "linear"), 0.5)
        self.assertEqual(P.lr_factor(900, total, 0.03, "constant"), 1.0)
        self.assertEqual(P.lr_factor(0, 10, 0.0, "cosine"), 1.0)  # no warm-up: full rate at once
        self.assertEqual(P.warmup_steps(10, 0.03), 1)


class LoraTargetTest(unittest.TestCase):
    def test_language_model_linear_layers_only_in_both_layouts(self):
        rx = re.compile(P.lora_target_regex(P.DEFAULTS["lora_target_modules"]))
        yes = ["model.language_model.layers.0.self_attn.q_proj", "model.language_model.layers.31.mlp.down_proj",
               "language_model.model.layers.3.self_attn.o_proj", "language_model.model.layers.3.mlp.gate_proj"]
        no = ["model.vision_tower.vision_model.encoder.layers.0.self_attn.q_proj", "vision_tower.vision_model.encoder.layers.0.mlp.fc1",
              "model.multi_modal_projector.linear_1", "lm_head", "language_model.lm_head", "model.language_model.embed_tokens",
              "model.language_model.layers.0.self_attn.q_proj.lora_A"]
        for n in yes:
            self.assertTrue(rx.fullmatch(n), n)
        for n in no:
            self.assertFalse(rx.fullmatch(n), n)
        self.assertEqual(P.PROJECTOR, "multi_modal_projector")


class ImagesTest(unittest.TestCase):
    def test_census_counts_and_threshold_for_real_models_only(self):
        samples = P.read_jsonl(SAMPLES)
        census = P.ImageCensus()
        for s in samples:
            census.resolve(s["dataset"], s.get("image"), IMAGES)
        summary = census.summary()
        self.assertEqual(sum(c["found"] for c in summary.values()), 10)
        self.assertEqual(sum(c["referenced"] for c in summary.values()), len(samples))
        census.check(P.resolve_params({}))  # tiny: counted, never fatal
        with self.assertRaises(P.BadRequest) as cm:
            census.check(P.resolve_params({"model_name_or_path": "llava-hf/llava-1.5-7b-hf", "image_root": IMAGES}))
        self.assertIn("aokvqa: ", str(cm.exception))
        self.assertIn("max_missing_images=0.01", str(cm.exception))
        census.check(P.resolve_params({"model_name_or_path": "x", "image_root": IMAGES, "max_missing_images": 1}))

    def test_image_root_required_per_dataset_for_real_models(self):
        real = {"model_name_or_path": "llava-hf/llava-1.5-7b-hf"}
        with self.assertRaises(P.BadRequest) as cm:
            P.check_image_root(P.resolve_params(real), {"okvqa"})
        self.assertIn("image_root is required", str(cm.exception))
        with self.assertRaises(P.BadRequest) as cm:
            P.check_image_root(P.resolve_params(dict(real, image_root={"okvqa": IMAGES})), {"okvqa", "gqa"})
        self.assertIn("no folder for dataset(s) gqa", str(cm.exception))
        P.check_image_root(P.resolve_params(dict(real, image_root={"okvqa": IMAGES, "*": IMAGES})), {"okvqa", "gqa"})
        P.check_image_root(P.resolve_params({}), {"okvqa"})  # tiny runs text-only if it must
        self.assertEqual(P.image_root_for({"a": "/x", "*": "/y"}, "b"), "/y")
        self.assertEqual(P.find_image({"id": "229358"}, IMAGES), os.path.join(IMAGES, "000000229358.jpg"))


def _named(name, base=Exception, module="builtins", **attrs):
    cls = type(name, (base,), {"__module__": module})
    e = cls(attrs.pop("message", ""))
    for k, v in attrs.items():
        setattr(e, k, v)
    return e


class ExitCodeTest(unittest.TestCase):
    def test_transient_failures_exit_75(self):
        class Resp:
            status_code = 503
        wrapped = _named("LocalEntryNotFoundError", module="huggingface_hub.errors",
                         message="An error happened while trying to locate the file on the Hub")
        wrapped.__cause__ = _named("ReadTimeout", module="httpx", message="The read operation timed out")
        cases = [
            _named("OutOfMemoryError", RuntimeError, "torch.cuda", message="CUDA out of memory. Tried to allocate 2.00 GiB"),
            RuntimeError("CUDA error: out of memory"),
            RuntimeError("CUDA error: CUDA-capable device(s) is/are busy or unavailable"),
            wrapped,
            _named("HfHubHTTPError", module="huggingface_hub.errors", message="Server error", response=Resp()),
            _named("ConnectTimeout", module="requests.exceptions", message="HTTPSConnectionPool(host='huggingface.co')"),
            P.TransientFailure("no CUDA device visible (CUDA_VISIBLE_DEVICES=unset): llava-hf/llava-1.5-7b-hf is not run on a CPU"),
        ]
        for e in cases:
            code, reason = P.exit_code_for(e)
            self.assertEqual(code, 75, repr(e))
            self.assertTrue(reason.startswith("transient failure"), reason)
        self.assertIn("no CUDA device visible", P.exit_code_for(cases[-1])[1])

    def test_no_gpu_for_a_real_model_is_75_with_a_message_tiny_runs_on_cpu(self):
        real = P.resolve_params({"model_name_or_path": "llava-hf/llava-1.5-7b-hf", "image_root": IMAGES})
        with self.assertRaises(P.TransientFailure) as cm:
            P.require_gpu(real, cuda_available=False)
        code, reason = P.exit_code_for(cm.exception)
        self.assertEqual(code, 75)
        self.assertRegex(reason, r"^transient failure \(TransientFailure\): no CUDA device visible \(CUDA_VISIBLE_DEVICES=.*\): "
                                 r"llava-hf/llava-1.5-7b-hf is not run on a CPU; exit 75 so the executor can retry on a GPU node$")
        P.require_gpu(real, cuda_available=True)
        P.require_gpu(P.resolve_params({}), cuda_available=False)
        P.require_gpu(real, cuda_available=False, allow_cpu=True)

    def test_other_failures(self):
        self.assertEqual(P.exit_code_for(ValueError("bad shape"))[0], 1)
        self.assertEqual(P.exit_code_for(RuntimeError("checkpoint x does not fit the model"))[0], 1)
        self.assertEqual(P.exit_code_for(P.BadRequest("x"))[0], 2)
        offline = _named("LocalEntryNotFoundError", module="huggingface_hub.errors",
                         message="Cannot find the requested files in the local cache and outgoing traffic has been disabled")
        self.assertEqual(P.exit_code_for(offline)[0], 1)  # not cached, offline: retrying will not help


class JsonlCheckpointTest(unittest.TestCase):
    def test_jsonl_roundtrip_and_errors(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p.jsonl")
            rows = [{"id": "a#0", "prediction": "é ✓"}, {"id": "b#0", "prediction": ""}]
            P.write_jsonl_atomic(path, rows)
            self.assertEqual(P.read_jsonl(path), rows)
            self.assertEqual(os.listdir(d), ["p.jsonl"])
            with open(path, "a") as f:
                f.write("{oops\n")
            with self.assertRaises(P.BadRequest) as cm:
                P.read_jsonl(path)
            self.assertTrue(str(cm.exception).startswith(f"{path} line 3 is not JSON"))

    def test_latest_complete_and_prune(self):
        with tempfile.TemporaryDirectory() as d:
            for step, complete in [(10, True), (20, True), (30, False)]:
                os.makedirs(P.checkpoint_dir(d, step))
                if complete:
                    open(os.path.join(P.checkpoint_dir(d, step), "COMPLETE"), "w").close()
            self.assertEqual(P.latest_checkpoint(d), (20, P.checkpoint_dir(d, 20)))
            P.prune_checkpoints(d, 1)
            self.assertEqual(sorted(os.listdir(d)), ["step-00000030"])
            self.assertIsNone(P.latest_checkpoint(os.path.join(d, "none")))

    def test_fingerprint_depends_on_data_and_params(self):
        a = P.fingerprint(SAMPLES, {"x": 1})
        self.assertEqual(a, P.fingerprint(SAMPLES, {"x": 1}))
        self.assertNotEqual(a, P.fingerprint(SAMPLES, {"x": 2}))


class EventsTest(unittest.TestCase):
    def test_events_on_stdout_library_prints_on_stderr(self):
        code = ("import sys; sys.path.insert(0, %r); import protocol; ev = protocol.Events.claim_stdout(); "
                "print('a library talking'); ev.progress(1, 4, 'loss 2.5'); ev.log('hi'); ev.checkpoint(1, '/c'); ev.result(n=3)") % HERE
        r = subprocess.run([sys.executable, "-B", "-c", code], capture_output=True, text=True, check=True)
        self.assertEqual([json.loads(l) for l in r.stdout.splitlines()], [
            {"event": "progress", "done": 1, "total": 4, "message": "loss 2.5"},
            {"event": "log", "level": "info", "message": "hi"},
            {"event": "checkpoint", "step": 1, "path": "/c"},
            {"event": "result", "n": 3}])
        self.assertEqual(r.stderr, "a library talking\n")

    def test_nan_is_never_written(self):
        import io
        ev = P.Events(io.StringIO())
        with self.assertRaises(ValueError):
            ev.result(final_loss=float("nan"))
        self.assertEqual(ev.stream.getvalue(), "")
        ev.result(final_loss=P.finite_or_none(float("inf")), ok=P.finite_or_none(1.5))
        self.assertEqual(json.loads(ev.stream.getvalue()), {"event": "result", "final_loss": None, "ok": 1.5})
        self.assertTrue(math.isnan(float("nan")))

    def test_main_exits_2_on_a_bad_request(self):
        with tempfile.TemporaryDirectory() as d:
            path = write_request(d, params={"nope": 1})
            r = subprocess.run([sys.executable, "-B", os.path.join(HERE, "main.py"), path], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(r.stdout, "")
            self.assertEqual(r.stderr, 'hf-vlm: bad request: params.nope: Unknown key "nope"\n')


if __name__ == "__main__":
    unittest.main()
