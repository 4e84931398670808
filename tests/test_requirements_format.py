"""pip's requirements format: what is read, and that nothing written there can crash it."""

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgate.locks.requirements import exact_version, parse, parse_pyproject, vcs_commit

PIECES = [*string.printable, "numpy", "==", "===", ">=", "~=", ".*", "1.2.3", "[extra]", " @ ",
          "git+https://h/r", "@abcdef1", "#egg=x", " ; ", "python_version < '3.9'", "-r ",
          "-e ", "--hash=sha256:ab", "\\\n", "# c", "--index-url ", "file:///x", "'", '"']


@settings(max_examples=400)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=12).map("".join), max_size=15))
def test_random_requirement_lines_never_raise(lines):
    text = "\n".join(lines)
    lock = parse(text, "requirements.txt")
    total = max(1, len(text.splitlines()))
    for problem in lock.problems:
        assert 1 <= problem.line <= total and "\n" not in problem.message
    for package in lock.packages:
        assert package.name and 1 <= package.line <= total


@given(st.text(max_size=300))
def test_random_pyproject_never_raises(text):
    parse_pyproject(text, "pyproject.toml")


def test_what_a_requirements_file_says():
    lock = parse(
        "numpy==1.26.4 \\\n    --hash=sha256:aa --hash=sha256:bb\n"
        "Scikit_Learn===1.4.0 ; python_version >= '3.9'\n"
        "pandas[parquet]~=2.2\n"
        "-e git+https://github.com/org/lib@0123abc#egg=my.lib\n"
        "https://example.org/wheels/torch-2.1.0-cp311-linux_x86_64.whl\n"
        "-e .\n--index-url https://pypi.org/simple\n",
        "requirements.txt",
    )
    got = [(p.name, p.line, p.version, p.specifier, p.marker, p.editable, p.source_commit,
            len(p.hashes)) for p in lock.packages]
    assert got == [
        ("numpy", 1, "1.26.4", "==1.26.4", None, False, None, 2),
        ("scikit-learn", 3, "1.4.0", "===1.4.0", 'python_version >= "3.9"', False, None, 0),
        ("pandas", 4, None, "~=2.2", None, False, None, 0),
        ("my-lib", 5, None, "", None, True, "0123abc", 0),
        ("torch", 6, "2.1.0", "", None, False, None, 0),
    ]
    assert lock.problems == []


def test_includes_in_every_spelling_pip_reads():
    lock = parse("-rbase.txt\n-r dev.txt\n--requirement=ci.txt\n-cpins.txt\n"
                 "--constraint other.txt\n", "requirements.txt")
    assert lock.problems == []  # `-rbase.txt` was an unknown option
    assert [(kind, path) for kind, path, _ in lock.includes] == [
        ("requirements", "base.txt"), ("requirements", "dev.txt"), ("requirements", "ci.txt"),
        ("constraints", "pins.txt"), ("constraints", "other.txt")]


def test_helpers():
    assert exact_version("==1.2") == "1.2"
    assert exact_version("==1.*") is None
    assert exact_version(">=1,<2") is None
    assert exact_version("===weird") == "weird"
    assert vcs_commit("git+https://h/r@0123abcd") == "0123abcd"
    assert vcs_commit("git+https://h/r@main") is None
    assert vcs_commit("git+ssh://git@host/r") is None


LINE_PIECES = ["numpy==1.0", " ", "  ", "#", " # note", "\\", "\\\\", "\t", "-r base.txt",
               "--hash=sha256:ab", "x", "\n", "\r\n"]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(LINE_PIECES), max_size=20).map("".join))
def test_lines_are_joined_and_comments_cut_as_pip_does(text):
    """Differential against pip's own reading (reliability round 36: a requirement whose
    trailing comment ended in a backslash hid the next line from pip, not from mlgate)."""

    req_file = pytest.importorskip("pip._internal.req.req_file")
    from mlgate.locks.requirements import _logical_lines

    try:
        expected = list(req_file.preprocess(text))
    except TypeError:  # another pip's internal signature
        pytest.skip("this pip's preprocess() takes other arguments")
    assert _logical_lines(text) == expected


def test_a_comment_ending_in_a_backslash_hides_the_next_requirement():
    lock = parse("attrs==23.2.0  # pinned for py3.8 \\\nsix==1.16.0\n# note \\\nnumpy==2.0\n",
                 "requirements.txt")
    assert [(p.name, p.line) for p in lock.packages] == [("attrs", 1), ("numpy", 4)]


CODED = [
    b"# -*- coding: latin-1 -*-\n# caf\xe9\nnumpy==1.26.4\n",
    b"#!/usr/bin/env pip\n# vim: set fileencoding=cp1252 :\nsix==1.16.0  # \x93quoted\x94\n",
    b"# coding=utf-8\nattrs==23.2.0\n",
    b"numpy==1.26.4\n\n# coding: latin-1\n",  # a third line declares nothing
    b"  # coding: latin-1\nsix==1.16.0\n",  # nor a comment that does not start the line
]


@pytest.mark.parametrize("data", CODED)
def test_a_coding_line_is_honoured_as_pip_does(data):
    """Differential against pip's decoding (reliability round 36: a latin-1 file with its
    PEP 263 coding line was refused as MLG200, though pip installs it)."""
    encoding = pytest.importorskip("pip._internal.utils.encoding")
    from mlgate.locks.model import decode_lock

    try:
        expected = encoding.auto_decode(data)
    except UnicodeDecodeError:  # pip falls back to the locale's encoding: UTF-8 is ours
        expected = None
    text, problem = decode_lock(data, "requirements.txt")
    if expected is None:
        assert problem is not None
    else:
        assert (text, problem) == (expected, None)


def test_a_coding_line_naming_no_text_encoding_is_one_problem():
    from mlgate.locks.model import decode_lock

    for name in (b"klingon", b"rot13", b"hex"):
        text, problem = decode_lock(b"# coding: " + name + b"\nsix==1.16.0\n", "r.txt")
        assert text == "" and "no text encoding" in problem.message


def test_a_conda_export_is_one_problem_not_one_per_line():
    # New-user trial round 37: 317 "invalid requirement ... Expected semicolon" errors from
    # three `conda list --export` files, no hint
    text = ("# This file may be used to create an environment using:\n"
            "# $ conda create --name <env> --file <this file>\n# platform: osx-arm64\n"
            + "".join(f"pkg{n}=1.{n}=py39h{n}_0\n" for n in range(100)))
    lock = parse(text, "requirements/xgb.txt")
    assert [p.message.split(":")[0] for p in lock.problems] == [
        "a conda environment export (`conda list --export`, `name=version=build` lines), not"
        " a pip requirements file"] and lock.packages == []
    headless = "".join(f"pkg{n}=1.{n}=py39h{n}_0\n" for n in range(10))
    assert len(parse(headless, "r.txt").problems) == 1
    # a pip file with one bad line keeps its packages and its one problem
    lock = parse("numpy==1.26.4\nfoo=1=2\nsix==1.16.0\n", "r.txt")
    assert [p.name for p in lock.packages] == ["numpy", "six"] and len(lock.problems) == 1
    assert "invalid requirement" in lock.problems[0].message
