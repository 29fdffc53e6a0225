"""adjoint's GradBench tool: answers GradBench's messages, one JSON object per line.

    python -m benchmarks.gradbench.tool.run      (from the project's root)

`define` imports the eval's module (which compiles its gradients); `evaluate` calls the
module's function of that name. An exception in either is reported as `success: false`
with its traceback, so the eval records a failure instead of a dead tool.
"""
import json
import sys
import traceback
from importlib import import_module

PACKAGE = __package__ or "benchmarks.gradbench.tool"


def respond(message):
    kind = message["kind"]
    if kind == "start":
        return {"tool": "adjoint"}
    if kind not in ("define", "evaluate"):
        return {}
    try:
        module = import_module(f"{PACKAGE}.{message['module']}")
        if kind == "define":
            return {"success": True}
        return getattr(module, message["function"]).wrapped(message["input"])
    except Exception as e:  # the eval reports it; the tool stays up for the next one
        return {"success": False, "error": "".join(traceback.format_exception(e))}


def main():
    for line in sys.stdin:
        message = json.loads(line)
        print(json.dumps({"id": message["id"]} | respond(message)), flush=True)


if __name__ == "__main__":
    main()
