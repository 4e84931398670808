"""Entry point: `python -I <this file> <command>` (see the package docstring)."""

import importlib
import importlib.util
import json
import os
import sys

PACKAGE = "_mlgate_probe"
# The oldest project Python the probe runs in (importlib.metadata): say so plainly, rather
# than fail with an ImportError that reads like the project's fault.
OLDEST = (3, 8)

if sys.version_info[:2] < OLDEST:
    sys.stderr.write(
        "mlgate's probe needs Python {}.{} or later in the project's environment; this one is"
        " {}.{} (`mlgate paths` does not use it: it still works)\n".format(
            *(OLDEST + tuple(sys.version_info[:2]))))
    sys.exit(3)


def _package():
    """This folder as the package `_mlgate_probe`, loaded by path: sys.path is untouched."""
    if PACKAGE not in sys.modules:
        folder = os.path.dirname(os.path.abspath(__file__))
        spec = importlib.util.spec_from_file_location(
            PACKAGE, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
    return PACKAGE


def _command(name):
    package = __package__ or _package()
    if name in ("environment", "artifact-context"):
        importlib.import_module(package + ".common").sandbox_then_site()
        module = importlib.import_module(package + ".environment")
        return getattr(module, name.replace("-", "_")), False
    if name == "load-artifact":
        return importlib.import_module(package + ".load").load_artifact, True
    return None, False


def _read_input():
    """The command's parameters; a first line {"prepare": ...} comes before them."""
    first = sys.stdin.readline()
    try:
        message = json.loads(first) if first.strip() else None
    except ValueError:
        message = None
    if not (isinstance(message, dict) and "prepare" in message):
        return json.loads(first + sys.stdin.read())
    prepared = importlib.import_module((__package__ or _package()) + ".load")._prepare(
        message["prepare"])
    rest = sys.stdin.read()
    if not rest.strip():
        return None  # cancelled: mlgate no longer wants the load
    params = json.loads(rest)
    params["_prepared"] = prepared
    return params


def _private_answer():
    """The answer's own copy of stdout (not inherited by anything started); fd 1 and
    sys.stdout become stderr. What the project's modules or a load print, by mistake or to
    pass for the probe's answer, lands in stderr: the answer is what this module writes."""
    answer = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return answer


# Begins the answer on stdout: what the interpreter printed before this module ran (a .pth
# file, sitecustomize) comes before it and is no part of it. mlgate.probe.ANSWER_MARK.
ANSWER_MARK = "\x1emlgate-probe-answer\x1e"


def _write_answer(fd, text):
    data = (ANSWER_MARK + text).encode("utf-8")
    while data:
        data = data[os.write(fd, data):]


def main(argv):
    command = argv[1] if len(argv) > 1 else None
    function, takes_input = _command(command)
    if function is None:
        sys.stdout.write(ANSWER_MARK + json.dumps(
            {"error": f"unknown probe command: {argv[1:]!r}"}))
        return 2
    if takes_input:
        sys.dont_write_bytecode = True  # no __pycache__ written into the project or mlgate
        answer = _private_answer()  # before anything of the project or the artifact runs
        importlib.import_module((__package__ or _package()) + ".common").ANSWER_FD.append(
            answer)
        params = _read_input()
        if params is None:
            os._exit(0)
        _write_answer(answer, json.dumps({"result": function(params)}))
        os._exit(0)  # a loaded model can take a second to tear down; nobody needs that
    sys.stdout.write(ANSWER_MARK + json.dumps({"result": function()}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
