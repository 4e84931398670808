"""Property-based: random text and bytes never crash the scanner, in any file kind."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.checks.paths import _findings_in_text, check_file
from mlgate.checks.paths.classify import find_paths
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
