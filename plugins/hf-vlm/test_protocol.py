"""Tests of hf-vlm's protocol layer (no torch needed): python3 -m unittest test_protocol"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import protocol  # noqa: E402

SAMPLES = os.path.join(HERE, "testdata", "tune.jsonl")


def write_request(d, op="tune", params=None, **over):
    req = {"protocol": 1, "op": op, "params": params or {}, "workDir": d, "checkpointDir": os.path.join(d, "checkpoints"),
           "inputs": {"tuneSet": SAMPLES} if op == "tune" else {"items": os.path.join(d, "items.jsonl"), "modelDir": d},
           "outputs": {"modelDir": os.path.join(d, "model")} if op == "tune" else {"predictions": os.path.join(d, "p.jsonl")}}
    req.update(over)
    path = os.path.join(d, "request.json")
    with open(path, "w") as f:
        json.dump(req, f)
    return path


class RequestTest(unittest.TestCase):
    def test_defaults_and_shorthand(self):
        with tempfile.TemporaryDirectory() as d:
            req = protocol.read_request(write_request(d, params={"model": "tiny", "max_steps": 5, "tiny": {"layers": 1}}))
            p = req["params"]
            self.assertEqual(p["model_name_or_path"], "tiny")
            self.assertEqual(p["max_steps"], 5)
            self.assertEqual(p["tiny"], {"hidden_size": 64, "layers": 1, "heads": 4, "image_size": 32, "patch_size": 8})
            self.assertEqual(p["batch_size"], 8)

    def test_bad_params(self):
        cases = [({"lerning_rate": 1}, "unknown params: lerning_rate"), ({"batch_size": "8"}, "param batch_size has the wrong type: '8'"),
                 ({"lora": 1}, "param lora has the wrong type: 1"), ({"batch_size": True}, "param batch_size must be a number, not True"),
                 ({"save_every": 0}, "param save_every must be >= 1"), ({"tiny": {"depth": 3}}, "unknown tiny params: depth"),
                 ({"model": "tiny", "model_name_or_path": "x"}, "give model or model_name_or_path, not both")]
        with tempfile.TemporaryDirectory() as d:
            for params, msg in cases:
                with self.assertRaises(protocol.BadRequest) as cm:
                    protocol.read_request(write_request(d, params=params))
                self.assertEqual(str(cm.exception), msg)

    def test_bad_requests(self):
        with tempfile.TemporaryDirectory() as d:
            for over, msg in [({"protocol": 2}, "protocol 2 is not 1"), ({"op": "train"}, "unknown op 'train'"),
                              ({"inputs": {}}, "tune request has no inputs.tuneSet")]:
                with self.assertRaises(protocol.BadRequest) as cm:
                    protocol.read_request(write_request(d, **over))
                self.assertEqual(str(cm.exception), msg)


class DataTest(unittest.TestCase):
    def test_real_samples_prompts_and_images(self):
        samples = protocol.read_jsonl(SAMPLES)
        self.assertGreaterEqual(len(samples), 200)
        root = os.path.join(HERE, "testdata", "images")
        ex = protocol.training_examples(samples, root)
        self.assertEqual(len(ex), sum(len(s["turns"]) for s in samples))
        with_img = [e for e in ex if e["image"]]
        without = [e for e in ex if not e["image"]]
        self.assertTrue(with_img and without)
        # the context stands in for a missing image, and only then
        s0 = next(s for s in samples if s.get("context") and not protocol.find_image(s["image"], root))
        e0 = protocol.training_examples([s0], root)[0]
        self.assertTrue(e0["prompt"].startswith("Image description: " + s0["context"].strip()))
        self.assertTrue(all("Image description" not in e["prompt"] for e in with_img))
        self.assertNotIn("<image>", "".join(e["prompt"] for e in ex))

    def test_history_in_prompt(self):
        s = {"id": "1", "dataset": "d", "image": {}, "turns": [{"instruction": "<image>\nQ1?", "references": ["A1", "x"]},
                                                            {"instruction": "Q2?", "references": ["A2"]}]}
        ex = protocol.training_examples([s], None)
        self.assertEqual([e["prompt"] for e in ex], ["Q1?", "Q: Q1?\nA: A1\nQ2?"])
        self.assertEqual([e["target"] for e in ex], ["A1", "A2"])

    def test_jsonl_roundtrip_and_errors(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p.jsonl")
            rows = [{"id": "a#0", "prediction": "é ✓"}, {"id": "b#0", "prediction": ""}]
            protocol.write_jsonl_atomic(path, rows)
            self.assertEqual(protocol.read_jsonl(path), rows)
            self.assertEqual(os.listdir(d), ["p.jsonl"])
            with open(path, "a") as f:
                f.write("{oops\n")
            with self.assertRaises(protocol.BadRequest) as cm:
                protocol.read_jsonl(path)
            self.assertTrue(str(cm.exception).startswith(f"{path} line 3 is not JSON"))


class CheckpointTest(unittest.TestCase):
    def test_latest_complete_and_prune(self):
        with tempfile.TemporaryDirectory() as d:
            for step, complete in [(10, True), (20, True), (30, False)]:
                os.makedirs(protocol.checkpoint_dir(d, step))
                if complete:
                    open(os.path.join(protocol.checkpoint_dir(d, step), "COMPLETE"), "w").close()
            self.assertEqual(protocol.latest_checkpoint(d), (20, protocol.checkpoint_dir(d, 20)))
            protocol.prune_checkpoints(d, 1)
            self.assertEqual(sorted(os.listdir(d)), ["step-00000030"])
            self.assertIsNone(protocol.latest_checkpoint(os.path.join(d, "none")))

    def test_fingerprint_depends_on_data_and_params(self):
        a = protocol.fingerprint(SAMPLES, {"x": 1})
        self.assertEqual(a, protocol.fingerprint(SAMPLES, {"x": 1}))
        self.assertNotEqual(a, protocol.fingerprint(SAMPLES, {"x": 2}))


class EventsTest(unittest.TestCase):
    def test_events_on_stdout_library_prints_on_stderr(self):
        code = ("import sys; sys.path.insert(0, %r); import protocol; ev = protocol.Events.claim_stdout(); "
                "print('a library talking'); ev.progress(1, 4, 'loss 2.5'); ev.log('hi'); ev.checkpoint(1, '/c'); ev.result(n=3)") % HERE
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        self.assertEqual([json.loads(l) for l in r.stdout.splitlines()], [
            {"event": "progress", "done": 1, "total": 4, "message": "loss 2.5"},
            {"event": "log", "level": "info", "message": "hi"},
            {"event": "checkpoint", "step": 1, "path": "/c"},
            {"event": "result", "n": 3}])
        self.assertEqual(r.stderr, "a library talking\n")

    def test_main_exits_2_on_a_bad_request(self):
        with tempfile.TemporaryDirectory() as d:
            path = write_request(d, params={"nope": 1})
            r = subprocess.run([sys.executable, os.path.join(HERE, "main.py"), path], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(r.stdout, "")
            self.assertEqual(r.stderr, "hf-vlm: bad request: unknown params: nope\n")


if __name__ == "__main__":
    unittest.main()
