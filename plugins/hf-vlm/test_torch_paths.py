"""hf-vlm's torch code paths end to end through main.py, small enough for a CPU: the tiny model
(tune, resume from a checkpoint with a bit-identical result, answer items with images) and the
real-model path on the offline small LLaVA (LoRA tune, adapter answer, no GPU -> exit 75).
Runs where `python3` (or $HF_VLM_PYTHON) has torch, transformers and peft; skipped elsewhere.
    python3 -m unittest test_torch_paths"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import protocol as P  # noqa: E402

PY = os.environ.get("HF_VLM_PYTHON", sys.executable)
IMAGES = os.path.join(HERE, "testdata", "images")
TUNE = os.path.join(HERE, "testdata", "tune.jsonl")
ITEMS = os.path.join(HERE, "testdata", "items-images.jsonl")


def has_torch():
    r = subprocess.run([PY, "-c", "import torch, transformers, peft, PIL"], capture_output=True)
    return r.returncode == 0


def helper(*args):
    return subprocess.run([PY, "-B", os.path.join(HERE, "check_request.py"), *args], capture_output=True, text=True, check=True).stdout.strip()


def main_py(req, env=None):
    r = subprocess.run([PY, "-B", os.path.join(HERE, "main.py"), req], capture_output=True, text=True, env={**os.environ, **(env or {})})
    return r.returncode, [json.loads(l) for l in r.stdout.splitlines() if l.strip()], r.stderr


@unittest.skipUnless(has_torch(), f"{PY} has no torch/transformers/peft (run on the GPU machine, or set HF_VLM_PYTHON)")
class TorchPathsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hf-vlm-torch-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_tiny_tune_resume_bit_identical_and_answer_images(self):
        params = json.dumps({"model": "tiny", "image_root": IMAGES, "micro_batch_size": 2, "grad_accum": 2, "max_steps": 3,
                             "save_every": 1, "max_length": 600, "max_new_tokens": 6, "answer_batch_size": 20, "system_prompt": ""})
        d, model = os.path.join(self.dir, "tiny"), os.path.join(self.dir, "tiny-model")
        req = helper("request", "tune", params, d, TUNE, model)
        code, first, err = main_py(req)
        self.assertEqual(code, 0, err[-2000:])
        result = first[-1]
        self.assertEqual((result["event"], result["steps"], result["skipped_steps"]), ("result", 3, 0))
        self.assertEqual(result["with_images"], 10)
        self.assertEqual(result["trainable"]["vision_tower"], 0)
        self.assertGreater(result["trainable"]["projector"], 0)
        # lose the last checkpoint, run again: it resumes at step 3 and ends with the same loss, to the bit
        shutil.rmtree(P.checkpoint_dir(os.path.join(d, "checkpoints"), 3))
        code, second, err = main_py(req)
        self.assertEqual(code, 0, err[-2000:])
        self.assertIn("resumed from checkpoint step 2 of 3", [e.get("message") for e in second])
        self.assertEqual([e["done"] for e in second if e["event"] == "progress"], [3])
        self.assertAlmostEqual(second[-1]["final_loss"], result["final_loss"], delta=1e-4)  # bit-identical on CPU; GPU kernels may differ in low bits
        areq = helper("request", "answer", params, os.path.join(self.dir, "tiny-answer"), ITEMS, model)
        code, events, err = main_py(areq)
        self.assertEqual(code, 0, err[-2000:])
        self.assertEqual(events[-1]["predictions"], 20)
        self.assertIn("ok: 20 answers, 10 of them to items with an image", helper(
            "assert-answers", ITEMS, os.path.join(self.dir, "tiny-answer", "predictions.jsonl"), IMAGES))

    def test_small_llava_real_model_path(self):
        small = os.path.join(self.dir, "small-llava")
        subprocess.run([PY, "-B", os.path.join(HERE, "make_small_llava.py"), small], capture_output=True, text=True, check=True)
        params = json.dumps({"model_name_or_path": small, "image_root": IMAGES, "max_missing_images": 1, "lora_r": 8, "lora_alpha": 16,
                             "micro_batch_size": 2, "grad_accum": 1, "max_steps": 2, "max_length": 512, "max_new_tokens": 4,
                             "answer_batch_size": 20})
        model = os.path.join(self.dir, "small-model")
        req = helper("request", "tune", params, os.path.join(self.dir, "small"), TUNE, model)
        code, events, err = main_py(req, {"HF_VLM_ALLOW_CPU": "1"})
        self.assertEqual(code, 0, err[-2000:])
        trainable = events[-1]["trainable"]
        self.assertEqual(trainable["vision_tower"], 0)
        self.assertEqual(trainable["language_model"], 0)  # LoRA only, on the language model
        self.assertGreater(trainable["lora"], 0)
        self.assertGreater(trainable["projector"], 0)
        self.assertTrue(os.path.isfile(os.path.join(model, "adapter_model.safetensors")))
        with open(os.path.join(model, "adapter_config.json")) as f:
            adapter = json.load(f)
        self.assertEqual(adapter["modules_to_save"], ["multi_modal_projector"])
        areq = helper("request", "answer", params, os.path.join(self.dir, "small-answer"), ITEMS, model)
        code, events, err = main_py(areq, {"HF_VLM_ALLOW_CPU": "1"})
        self.assertEqual(code, 0, err[-2000:])
        self.assertEqual(events[-1]["predictions"], 20)
        # the same request without a GPU and without the check's permission: 75, with a message
        code, _, err = main_py(req, {"HF_VLM_ALLOW_CPU": "", "CUDA_VISIBLE_DEVICES": ""})
        self.assertEqual(code, 75, err[-2000:])
        self.assertIn("hf-vlm: transient failure (TransientFailure): no CUDA device visible", err)


if __name__ == "__main__":
    unittest.main()
