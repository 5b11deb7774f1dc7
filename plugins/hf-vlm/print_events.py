"""Prints hf-vlm's NDJSON events for a person (device-check.sh pipes main.py's stdout through it):
one line per step with its loss, logs, checkpoints and the result. A line that is not an event is
shown as such and makes the exit code 1 (a protocol error revo would reject), but the reader keeps
reading, so the plugin never dies of a broken pipe."""
import json
import sys


def format_event(e):
    """The human line for one event, or None for events not worth a line."""
    kind = e.get("event")
    if kind == "progress":
        msg = e.get("message")
        return f"step {e.get('done')}/{e.get('total')}" + (f" {msg}" if msg else "")
    if kind == "log":
        level = e.get("level", "info")
        return f"{'' if level == 'info' else level + ': '}{e.get('message', '')}"
    if kind == "checkpoint":
        return f"checkpoint step {e.get('step')} at {e.get('path')}"
    if kind == "result":
        rest = {k: v for k, v in e.items() if k != "event"}
        return "result " + json.dumps(rest, sort_keys=True, ensure_ascii=False)
    return f"unknown event {json.dumps(e, ensure_ascii=False)}"


def parse_line(line):
    """(event, None) or (None, why the line is not an event)."""
    try:
        e = json.loads(line)
    except ValueError as err:
        return None, f"not JSON ({err.msg})"
    if not isinstance(e, dict) or not isinstance(e.get("event"), str):
        return None, "not an event object"
    return e, None


def main(stdin, stdout, show_debug=True):
    bad = 0
    for n, raw in enumerate(stdin, 1):
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        e, why = parse_line(line)
        if e is None:
            bad += 1
            out = f"PROTOCOL ERROR line {n}: {why}: {line[:200]}"
        elif e.get("event") == "log" and e.get("level") == "debug" and not show_debug:
            continue
        else:
            out = format_event(e)
        print(out, file=stdout, flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.stdin, sys.stdout, show_debug="--quiet" not in sys.argv[1:]))
