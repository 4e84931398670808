"""Property-based: random text and bytes never crash the scanner, in any file kind."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.checks.paths import _findings_in_text, check_file
from mlgate.checks.paths.classify import find_paths, prefilter
from mlgate.files import Target

KINDS = ["python", "notebook", "json", "toml", "yaml", "ini", "env", "shell", "dockerfile",
         "requirements", "text"]
# Text biased towards the characters paths and file formats are made of.
TOKENS = [
    *string.printable, "/Users/", "/home/", "C:\\", "\\\\", "file://", "é", "\x00", "\u2028",
    '{"cells": [', '"source": [', "# mlgate: ignore", "\\n", '\\"', "\\/", "./data", ".*",
    "'''", "f'", "{x}",
]
PATHISH = st.lists(st.sampled_from(TOKENS), max_size=120).map("".join)


class Opts:
    allow = ("/data/ok/",)
    roots = ("/nas2",)
    comments = False
    outputs = True


@given(value=PATHISH, start_ok=st.booleans(), path_context=st.booleans(),
       container=st.booleans(), open_end=st.booleans())
def test_find_paths_never_crashes_and_spans_are_real(value, start_ok, path_context, container,
                                                      open_end):
    for match in find_paths(value, start_ok=start_ok, path_context=path_context,
                            container=container, open_end=open_end, extra_roots=("/nas2",)):
        assert value[match.start:match.end] == match.text
        assert match.code.startswith("MLG1")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=PATHISH, kind=st.sampled_from(KINDS), comments=st.booleans())
def test_every_kind_survives_random_text(text, kind, comments):
    opts = Opts()
    opts.comments = comments
    for finding in _findings_in_text(Target("x", kind, True), text, opts):
        assert finding.line >= 1 and finding.col >= 1


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(text=PATHISH, kind=st.sampled_from([k for k in KINDS if k != "requirements"]))
def test_prefilter_never_hides_a_finding(text, kind):
    from mlgate.checks.paths.classify import prefilter

    found = _findings_in_text(Target("x", kind, True), text, Opts())
    if any(f.code != "MLG002" for f in found):
        gate = prefilter(("/nas2",))
        assert gate.search(text.encode("utf-8"))
        lines = gate.candidate_lines(text)
        assert lines
        # and the lines it names are the ones the findings are on (a pruned parse sees them)
        if kind in ("python", "text", "yaml", "toml", "ini", "env", "shell", "dockerfile"):
            pruned = _findings_in_text(Target("x", kind, True), text, Opts(), lines)
            assert sorted(f.line for f in pruned) == sorted(f.line for f in found)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), kind=st.sampled_from(KINDS))
def test_random_bytes_on_disk(tmp_path, data, kind):
    path = tmp_path / "f"
    path.write_bytes(data)
    from mlgate.checks.paths.classify import prefilter

    opts = Opts()
    opts.prefilter = prefilter(())
    check_file(Target(str(path), kind, True), opts)


# Statements real code is made of, several spanning lines, with paths in every position a
# statement-level parse could get wrong: inside brackets, docstrings, triple-quoted templates,
# decorators, headers, after comments and continuation backslashes.
STATEMENTS = [
    "x = 1\n",
    "DATA_DIR = '/local-scratch/ana/data'\n",
    "df = pd.read_csv(\n    '/groups/lab/train.csv',\n    sep=',')\n",
    "paths = [\n    # the cluster copy\n    '/staging/abc/x.tar',\n    '/h/ana/y.pt',\n]\n",
    'def f(path="/home/ana/x"):\n    """Reads /home/ana/default and /mnt/x."""\n'
    "    return open(path)\n",
    "class C:\n    root = '/gpfs/lab/root'\n\n    def g(self):\n        return self.root\n",
    '@app.get("/v1/items")\ndef items():\n    return []\n',
    "TEMPLATE = '''#!/bin/bash\nsource /scratch_net/ana/conda.sh\n"
    "export HF_HOME=/local/ana/hf\n'''\n",
    "if os.path.exists('/kaggle/input'):\n    DATA = '/kaggle/input/x.csv'\n"
    "elif True:\n    DATA = 'data/x.csv'\n",
    "total = a + \\\n    b\n",
    "cfg = {'cache_dir': '/store/cms/cache',\n       'route': '/v1/models/x:predict'}\n",
    "s = f'{root}/home/ana/x'\n",
    "with open('/usr/bmicnas02/x/y.h5') as h:\n    pass\n",
    "# a comment about /home/ana/notes\n",
    "print('/predict', 1 / 2)\n",
    "try:\n    import torch\nexcept ImportError:\n    torch = None\n",
    "for p in ['/ukp-storage-1/a', '/ukp-storage-1/b']:\n    os.makedirs(p)\n",
    "\n",
]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=25),
       st.integers(min_value=0, max_value=3))
def test_statement_level_parsing_agrees_with_the_whole_file(statements, depth):
    import mlgate.checks.paths.python_source as python_source

    # the same statements nested inside `if True:` blocks, as a method body would be
    indent = "    " * depth
    body = "".join("".join(indent + line if line.strip() else line
                           for line in statement.splitlines(keepends=True))
                   for statement in statements)
    source = "".join("    " * i + "if True:\n" for i in range(depth)) + body
    gate = prefilter(())
    lines = gate.candidate_lines(source)
    target = Target("x.py", "python", True)

    def findings() -> list[tuple]:
        return sorted((f.line, f.col, f.code, f.severity)
                      for f in _findings_in_text(target, source, Opts(), lines))

    chunked = findings()
    real = python_source._parse_chunks
    python_source._parse_chunks = lambda *a, **k: None
    try:
        whole = findings()
    finally:
        python_source._parse_chunks = real
    assert chunked == whole
