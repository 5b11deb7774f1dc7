"""Tests of the device check's event printer (print_events.py), which was once an f-string inside a
shell heredoc that no Python 3.11-3.13 could parse: python3 -m unittest test_print_events"""
import io
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import print_events  # noqa: E402


class PrinterTest(unittest.TestCase):
    EVENTS = [
        {"event": "log", "level": "info", "message": "248 conversations"},
        {"event": "progress", "done": 1, "total": 12, "message": "loss 5.5012"},
        {"event": "log", "level": "debug", "message": "step 1 loss 5.5012 lr 0 tokens 812 0.41s"},
        {"event": "log", "level": "warn", "message": "step 2: non-finite loss nan; step skipped"},
        {"event": "checkpoint", "step": 4, "path": "/w/checkpoints/step-00000004"},
        {"event": "result", "steps": 12, "final_loss": None, "decoding": {"do_sample": False}},
    ]

    def test_every_event_kind(self):
        out = io.StringIO()
        code = print_events.main(io.StringIO("".join(json.dumps(e) + "\n" for e in self.EVENTS) + "\n"), out)
        self.assertEqual(code, 0)
        self.assertEqual(out.getvalue().splitlines(), [
            "248 conversations",
            "step 1/12 loss 5.5012",
            "debug: step 1 loss 5.5012 lr 0 tokens 812 0.41s",
            "warn: step 2: non-finite loss nan; step skipped",
            "checkpoint step 4 at /w/checkpoints/step-00000004",
            'result {"decoding": {"do_sample": false}, "final_loss": null, "steps": 12}',
        ])

    def test_a_stray_line_is_shown_and_fails_but_reading_goes_on(self):
        out = io.StringIO()
        text = "Loading checkpoint shards: 100%\n" + json.dumps(self.EVENTS[1]) + "\n[1, 2]\n"
        self.assertEqual(print_events.main(io.StringIO(text), out, show_debug=False), 1)
        lines = out.getvalue().splitlines()
        self.assertTrue(lines[0].startswith("PROTOCOL ERROR line 1: not JSON"), lines[0])
        self.assertEqual(lines[1], "step 1/12 loss 5.5012")
        self.assertEqual(lines[2], "PROTOCOL ERROR line 3: not an event object: [1, 2]")

    def test_as_a_pipe_under_this_python(self):
        # the way device-check.sh runs it: a real process reading a real pipe to its end
        feed = "".join(json.dumps(e) + "\n" for e in self.EVENTS)
        r = subprocess.run([sys.executable, "-B", os.path.join(HERE, "print_events.py"), "--quiet"], input=feed,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), len(self.EVENTS) - 1)
        self.assertEqual(r.stderr, "")


class DeviceCheckScriptTest(unittest.TestCase):
    def test_shell_syntax_and_no_embedded_python(self):
        path = os.path.join(HERE, "device-check.sh")
        r = subprocess.run(["bash", "-n", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(path) as f:
            text = f.read()
        self.assertNotIn("<<'PY'", text)  # Python lives in .py files, where these tests can reach it
        for name in ("print_events.py", "make_small_llava.py", "check_request.py"):
            self.assertIn(name, text)
            self.assertTrue(os.path.isfile(os.path.join(HERE, name)), name)
            r = subprocess.run([sys.executable, "-B", "-m", "py_compile", os.path.join(HERE, name)], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
