"""hf-vlm entry point: read the request, dispatch to the torch code, exit 0 / 1 / 2 / 75 (README §4)."""
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol  # noqa: E402


def main(argv):
    events = protocol.Events.claim_stdout()
    path = argv[1] if len(argv) > 1 else os.environ.get("REVO_REQUEST", "request.json")
    try:
        req = protocol.read_request(path)
    except protocol.BadRequest as e:
        print(f"hf-vlm: bad request: {e}", file=sys.stderr)
        return protocol.EXIT_BAD_REQUEST
    try:
        import vlm  # torch and transformers load here, after the request is known to be good
        if req["op"] == "tune":
            vlm.tune(req, events)
        else:
            vlm.answer(req, events)
        return protocol.EXIT_OK
    except protocol.BadRequest as e:
        print(f"hf-vlm: bad request: {e}", file=sys.stderr)
        return protocol.EXIT_BAD_REQUEST
    except Exception as e:  # noqa: BLE001 - every failure gets its exit code and a last line that says why
        traceback.print_exc(file=sys.stderr)
        code, reason = protocol.exit_code_for(e)
        print(f"hf-vlm: {reason}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
