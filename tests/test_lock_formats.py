"""The lock-format readers: uv.lock, pylock.toml, poetry.lock (1.1, 2.0, 2.1), Pipfile.lock.

The fixtures in lock_fixtures/ are real files written by uv, Poetry and pipenv (see its
README.md for how). Hand-written snippets below cover what those files don't show.
"""

from __future__ import annotations

import string
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.locks import pipfile_lock, poetry_lock, pylock, uv_lock
from mlgate.locks.toml_lines import entry_lines

FIXTURES = Path(__file__).resolve().parent / "lock_fixtures"
LOCALPKG_COMMIT = "330380a8f7da2d7d97676e9146cc3a0bda9f49fa"

LINUX_311 = {
    "implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
    "platform_machine": "x86_64", "platform_python_implementation": "CPython",
    "platform_release": "6.1.0", "platform_system": "Linux", "platform_version": "#1 SMP",
    "python_full_version": "3.11.7", "python_version": "3.11", "sys_platform": "linux",
}
WIN_311 = dict(LINUX_311, os_name="nt", platform_machine="AMD64", platform_system="Windows",
               platform_release="10", platform_version="10.0.19045", sys_platform="win32")
LINUX_39 = dict(LINUX_311, python_full_version="3.9.18", python_version="3.9",
                implementation_version="3.9.18")
ENVS = [LINUX_311, WIN_311, LINUX_39]
PARSERS = [uv_lock.parse, pylock.parse, poetry_lock.parse, pipfile_lock.parse]


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def rows(lock) -> list[tuple[str, str | None, int]]:
    return [(p.name, p.version, p.line) for p in lock.packages]


def picked(lock, env) -> list[tuple[str, str | None]]:
    return sorted((p.name, p.version) for p in lock.select(env))


def by_name(lock) -> dict:
    return {p.name: p for p in lock.packages}


def assert_name_lines(lock, text: str) -> None:
    """Each package's line is the line that names it."""
    lines = text.split("\n")
    for package in lock.packages:
        named = lines[package.line - 1].replace("_", "-").lower()
        assert package.name in named, (package, lines[package.line - 1])


# ---------------------------------------------------------------------------- uv.lock

UV_ROWS = [
    ("attrs", "26.1.0", 10), ("colorama", "0.4.6", 19), ("demo", "0.1.0", 28),
    ("exceptiongroup", "1.3.2", 66), ("iniconfig", "2.1.0", 78), ("iniconfig", "2.3.1", 90),
    ("localpkg", "0.3.0", 102), ("packaging", "26.3", 107), ("packaging", "26.4", 119),
    ("pluggy", "1.6.0", 131), ("pluggy", "1.7.0", 143), ("pygments", "2.21.0", 155),
    ("pytest", "8.4.2", 164), ("pytest", "9.2.0", 185), ("six", "1.17.0", 206),
    ("tomli", "2.5.0", 215), ("typing-extensions", "4.16.0", 287),
]
SELECTED_311 = [
    ("attrs", "26.1.0"), ("iniconfig", "2.3.1"), ("localpkg", "0.3.0"), ("packaging", "26.4"),
    ("pluggy", "1.7.0"), ("pygments", "2.21.0"), ("pytest", "9.2.0"), ("six", "1.17.0"),
]
SELECTED_39 = sorted([
    ("attrs", "26.1.0"), ("exceptiongroup", "1.3.2"), ("iniconfig", "2.1.0"),
    ("localpkg", "0.3.0"), ("packaging", "26.3"), ("pluggy", "1.6.0"), ("pygments", "2.21.0"),
    ("pytest", "8.4.2"), ("six", "1.17.0"), ("tomli", "2.5.0"), ("typing-extensions", "4.16.0"),
])


def test_uv_lock_packages_versions_and_lines():
    text = read("uv/uv.lock")
    lock = uv_lock.parse(text, "uv.lock")
    assert lock.format == "uv" and lock.problems == []
    assert rows(lock) == UV_ROWS
    assert_name_lines(lock, text)
    assert all(p.path == "uv.lock" and p.marker is None for p in lock.packages)


def test_uv_lock_sources_and_hashes():
    lock = uv_lock.parse(read("uv/uv.lock"), "uv.lock")
    packages = by_name(lock)
    demo, localpkg = packages["demo"], packages["localpkg"]
    assert (demo.editable, demo.source_url) == (True, ".")
    assert (localpkg.source_url, localpkg.source_commit) == ("file:///tmp/localpkg",
                                                             LOCALPKG_COMMIT)
    assert localpkg.hashes == () and not localpkg.editable
    assert packages["attrs"].source_url is None and packages["attrs"].source_commit is None
    assert len(packages["attrs"].hashes) == 2  # sdist + one wheel
    assert len(packages["tomli"].hashes) == 65
    assert all(h.startswith("sha256:") and len(h) == 71 for h in packages["tomli"].hashes)


def test_uv_lock_selects_by_the_edges_markers():
    lock = uv_lock.parse(read("uv/uv.lock"), "uv.lock")
    assert picked(lock, LINUX_311) == SELECTED_311  # no colorama, tomli, exceptiongroup
    on_windows = picked(lock, WIN_311)
    assert on_windows == sorted([*SELECTED_311, ("colorama", "0.4.6")])
    # The Python 3.9 fork: the other pytest, its tomli/exceptiongroup and what they need.
    assert picked(lock, LINUX_39) == SELECTED_39
    # python_version alone is enough: python_full_version is filled in from it.
    partial = {"python_version": "3.9", "sys_platform": "linux"}
    assert picked(lock, partial) == SELECTED_39


def test_uv_lock_sources_of_every_kind():
    text = read("uv_sources/uv.lock")
    lock = uv_lock.parse(text, "uv.lock")
    assert lock.problems == []
    got = [(p.name, p.line, p.source_url, p.source_commit, p.editable, len(p.hashes))
           for p in lock.packages]
    wheel = ("https://files.pythonhosted.org/packages/b7/ce/149a00dd41f10bc29e5921b496af8b574d"
             "8413afcd5e30dfa0ed46c2cc5e/six-1.17.0-py2.py3-none-any.whl")
    assert got == [
        ("g2", 6, ".", None, True, 0),  # source = { virtual = "." }
        # `?rev=v0.3.0` is uv's note of what was asked for, not part of the repository URL.
        ("localpkg", 23, "file:///tmp/localpkg", LOCALPKG_COMMIT, False, 0),
        ("six", 28, wheel, None, False, 1),
        ("sub", 36, "/tmp/localpkg2", None, True, 0),
    ]
    assert [p.name for p in lock.select(LINUX_311)] == ["localpkg", "six", "sub"]


UV_EXTRAS = """\
version = 1
revision = 2
requires-python = ">=3.9"

[manifest]
members = ["app", "lib"]

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "app" }
dependencies = [
    { name = "lib" },
    { name = "requests", extra = ["socks"] },
    { name = "torch", version = "2.5.1", marker = "extra == 'extra-3-app-cpu'" },
    { name = "torch", version = "2.5.1+cu121", marker = "extra == 'extra-3-app-gpu'" },
]

[package.optional-dependencies]
cpu = [{ name = "cpuonly" }]
gpu = [{ name = "gpuonly" }]

[[package]]
name = "cpuonly"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "gpuonly"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "lib"
version = "0.2.0"
source = { editable = "lib" }
dependencies = [{ name = "Typing_Extensions", marker = "python_full_version < '3.10'" }]

[[package]]
name = "pysocks"
version = "1.7.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "urllib3" }]

[package.optional-dependencies]
socks = [{ name = "pysocks" }]
security = [{ name = "unused" }]

[[package]]
name = "torch"
version = "2.5.1"
source = { registry = "https://idx.example/cpu" }

[[package]]
name = "torch"
version = "2.5.1+cu121"
source = { registry = "https://idx.example/cu121" }

[[package]]
name = "typing-extensions"
version = "4.12.2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "unused"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "urllib3"
version = "2.2.3"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_workspace_extras_and_conflicting_extras():
    lock = uv_lock.parse(UV_EXTRAS, "uv.lock")
    assert lock.problems == []
    # Both workspace members are roots (not returned); `extra = ["socks"]` enables requests'
    # socks extra only; both sides of the cpu/gpu conflict are alternatives.
    assert picked(lock, LINUX_311) == [
        ("cpuonly", "1.0"), ("gpuonly", "1.0"), ("pysocks", "1.7.1"), ("requests", "2.32.3"),
        ("torch", "2.5.1"), ("torch", "2.5.1+cu121"), ("urllib3", "2.2.3"),
    ]
    assert ("typing-extensions", "4.12.2") in picked(lock, LINUX_39)


UV_WORKSPACE = """\
version = 1
revision = 3
requires-python = ">=3.12"

[manifest]
members = ["member", "service", "svc"]
{groups}
[[package]]
name = "idna"
version = "3.10"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "member"
version = "0.1.0"
source = {{ editable = "packages/member" }}
dependencies = [{{ name = "idna" }}]

[[package]]
name = "service"
version = "0.1.0"
source = {{ editable = "packages/service" }}
dependencies = [{{ name = "packaging" }}]

[[package]]
name = "packaging"
version = "24.2"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "six"
version = "1.17.0"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "svc"
version = "0.1.0"
source = {{ {root} }}
dependencies = [{{ name = "service" }}, {{ name = "six" }}]
"""


def test_a_uv_workspace_is_judged_by_what_uv_sync_installs():
    # as `uv lock` writes them (new-user round 42 F1, ab93/monorepo-demo): a root project
    # installs what it needs, the members it uses included; a member it does not use
    # (member: idna) only `uv sync --all-packages` installs
    rooted = uv_lock.parse(UV_WORKSPACE.format(groups="", root='virtual = "."'), "uv.lock")
    assert rooted.problems == []
    assert picked(rooted, LINUX_311) == [("packaging", "24.2"), ("service", "0.1.0"),
                                          ("six", "1.17.0")]
    # judged from a member's folder (`mlgate lock` in packages/member): what `uv sync` there
    # installs, the member's own (red team round 42b F3: they went unchecked)
    rooted.for_folder("packages/member")
    assert picked(rooted, LINUX_311) == [("idna", "3.10")]
    # a workspace whose root is no project: `uv sync` installs every member, and the root's
    # dependency groups
    text = UV_WORKSPACE.format(
        groups='\n[manifest.dependency-groups]\ndev = [{ name = "six", specifier = "==1.17.0" }]\n',
        root='editable = "svc"').replace(', {{ name = "six" }}', "")
    text = text.replace(', { name = "six" }]', "]")
    virtual = uv_lock.parse(text, "uv.lock")
    assert virtual.problems == []
    assert picked(virtual, LINUX_311) == [("idna", "3.10"), ("packaging", "24.2"),
                                           ("six", "1.17.0")]


def test_uv_lock_edge_source_picks_among_same_versions():
    text = ('[[package]]\nname = "app"\nversion = "1"\nsource = { virtual = "." }\n'
            'dependencies = [{ name = "t", source = { registry = "https://b" } }]\n\n'
            '[[package]]\nname = "t"\nversion = "1"\nsource = { registry = "https://a" }\n\n'
            '[[package]]\nname = "t"\nversion = "1"\nsource = { registry = "https://b" }\n')
    lock = uv_lock.parse(text, "uv.lock")
    assert lock.problems == []
    assert [p.line for p in lock.select(LINUX_311)] == [13]


def test_uv_lock_without_a_root_selects_everything():
    text = '[[package]]\nname = "a"\nversion = "1"\n\n[[package]]\nname = "b"\nversion = "2"\n'
    lock = uv_lock.parse(text, "uv.lock")
    assert rows(lock) == [("a", "1", 2), ("b", "2", 6)]
    assert picked(lock, LINUX_311) == [("a", "1"), ("b", "2")]


def test_uv_lock_edge_to_nothing_is_a_problem():
    text = ('[[package]]\nname = "app"\nversion = "1"\nsource = { virtual = "." }\n'
            'dependencies = [{ name = "gone" }, { name = "b", version = "9" }]\n\n'
            '[[package]]\nname = "b"\nversion = "2"\n')
    lock = uv_lock.parse(text, "uv.lock")
    assert [(p.line, p.message) for p in lock.problems] == [
        (2, "app depends on gone, which is not a [[package]] in this lock"),
        (2, "app depends on b 9, which is not a version of it in this lock"),
    ]
    # The only entry of a name is taken even when the edge names another version.
    assert picked(lock, LINUX_311) == [("b", "2")]



@pytest.mark.parametrize(("entry", "problem"), [
    ("dependencies = [5]", "app: 'dependencies': a dependency must be a table, not an integer"),
    ('dependencies = [{ name = "b", version = 2 }]', "app: 'dependencies': b: 'version' must"
     " be a string, not an integer"),
    ('dependencies = [{ name = "b", extra = "x" }]', "app: 'dependencies': b: 'extra' must be"
     " an array of strings"),
    ('source = { git = 5 }', "app: 'source.git' must be a string, not an integer"),
    ('source = { nothing = "x" }', "app: 'source' must name one of registry, git, url, path,"
     " directory, editable, virtual"),
])
def test_uv_lock_entries_uv_never_writes_are_problems(entry, problem):
    text = (f'[[package]]\nname = "app"\nversion = "1"\n{entry}\n\n'
            '[[package]]\nname = "b"\nversion = "2"\n')
    if "source" not in entry:
        text = text.replace('version = "1"\n', 'version = "1"\nsource = { virtual = "." }\n', 1)
    lock = uv_lock.parse(text, "uv.lock")
    assert problem in [p.message for p in lock.problems]

# ----------------------------------------------------------------------- pylock.toml

PYLOCK_ROWS = [
    ("attrs", "26.1.0", 8), ("colorama", "0.4.6", 15), ("demo", None, 23),
    ("exceptiongroup", "1.3.2", 27), ("iniconfig", "2.1.0", 35), ("iniconfig", "2.3.1", 43),
    ("localpkg", "0.3.0", 51), ("packaging", "26.3", 56), ("packaging", "26.4", 64),
    ("pluggy", "1.6.0", 72), ("pluggy", "1.7.0", 80), ("pygments", "2.21.0", 88),
    ("pytest", "8.4.2", 95), ("pytest", "9.2.0", 103), ("six", "1.17.0", 111),
    ("tomli", "2.5.0", 118), ("typing-extensions", "4.16.0", 191),
]


def test_pylock_packages_markers_sources_and_hashes():
    text = read("uv/pylock.toml")
    lock = pylock.parse(text, "pylock.toml")
    assert lock.format == "pylock" and lock.problems == []
    assert rows(lock) == PYLOCK_ROWS
    assert_name_lines(lock, text)
    packages = by_name(lock)
    assert packages["colorama"].marker == "sys_platform == 'win32'"
    assert packages["six"].marker is None
    assert (packages["demo"].editable, packages["demo"].source_url) == (True, ".")
    assert (packages["localpkg"].source_url, packages["localpkg"].source_commit) == (
        "file:///tmp/localpkg", LOCALPKG_COMMIT)
    assert len(packages["attrs"].hashes) == 2 and len(packages["tomli"].hashes) == 65
    assert packages["attrs"].hashes[0].startswith("sha256:")


def test_pylock_selects_what_the_uv_lock_selects():
    """uv's export and uv's lock agree, environment by environment (the editable root aside)."""
    exported = pylock.parse(read("uv/pylock.toml"), "pylock.toml")
    locked = uv_lock.parse(read("uv/uv.lock"), "uv.lock")
    for env in ENVS:
        from_pylock = sorted((p.name, p.version) for p in exported.select(env) if not p.editable)
        assert from_pylock == picked(locked, env)
    assert ("colorama", "0.4.6") not in picked(exported, LINUX_311)
    assert ("tomli", "2.5.0") not in picked(exported, LINUX_311)


def test_pylock_direct_sources():
    lock = pylock.parse(read("uv_sources/pylock.toml"), "pylock.toml")
    assert lock.problems == []
    got = [(p.name, p.line, p.source_url, p.source_commit, p.editable, len(p.hashes))
           for p in lock.packages]
    assert got[0] == ("localpkg", 8, "file:///tmp/localpkg", LOCALPKG_COMMIT, False, 0)
    assert got[1][:2] == ("six", 13) and got[1][2].endswith("six-1.17.0-py2.py3-none-any.whl")
    assert got[1][5] == 1  # the archive's hash
    assert got[2] == ("sub", 18, "/tmp/localpkg2", None, True, 0)


PYLOCK_GROUPS = """\
lock-version = "1.0"
created-by = "hand"
extras = ["plot"]
dependency-groups = ["dev"]
default-groups = []

[[packages]]
name = "matplotlib"
version = "3.9.0"
marker = "'plot' in extras"
archive = { url = "https://example.org/matplotlib-3.9.0.tar.gz", hashes = { sha256 = "ab" } }

[[packages]]
name = "pytest"
version = "8.3.0"
marker = "'dev' in dependency_groups and sys_platform == 'linux'"
archive = { url = "https://example.org/pytest-8.3.0.tar.gz", hashes = { sha256 = "cd" } }
"""


def test_pylock_markers_on_extras_and_groups():
    import inspect

    from packaging.markers import Marker

    lock = pylock.parse(PYLOCK_GROUPS, "pylock.toml")
    assert lock.problems == []
    assert picked(lock, LINUX_311) == [("matplotlib", "3.9.0"), ("pytest", "8.3.0")]
    if "context" in inspect.signature(Marker.evaluate).parameters:
        assert picked(lock, WIN_311) == [("matplotlib", "3.9.0")]
    else:  # packaging < 25 cannot read `dependency_groups`: a marker it can't read applies
        assert len(picked(lock, WIN_311)) == 2


def test_pylock_rejected_by_the_validator_still_yields_packages():
    pytest.importorskip("packaging.pylock")
    text = ('lock-version = "1.0"\ncreated-by = "hand"\n\n[[packages]]\nname = "six"\n'
            'version = "1.17.0"\nindex = "https://pypi.org/simple"\n\n'
            '[[packages]]\nname = "Django"\nversion = "5.0"\n'
            'archive = { url = "https://example.org/Django-5.0.tar.gz", hashes = {} }\n')
    lock = pylock.parse(text, "pylock.toml")
    assert rows(lock) == [("six", "1.17.0", 5), ("django", "5.0", 10)]
    [problem] = lock.problems
    assert problem.line == 5 and "not a valid PEP 751 lock" in problem.message
    assert "packages[0]" in problem.message  # six has neither wheels, sdist nor a source


def test_pylock_without_lock_version():
    lock = pylock.parse('[[packages]]\nname = "six"\nversion = "1"\n', "pylock.toml")
    assert rows(lock) == [("six", "1", 2)]
    assert [(p.line, p.message) for p in lock.problems] == [
        (1, "no 'lock-version': not a PEP 751 lock file")]


# ------------------------------------------------------------------------ poetry.lock

POETRY_OLD_ROWS = {
    "poetry_1_1": [("attrs", "25.3.0", 2), ("colorama", "0.4.6", 23), ("iniconfig", "2.1.0", 36),
                   ("localpkg", "0.3.0", 49), ("pluggy", "1.5.0", 64), ("six", "1.17.0", 81),
                   ("tomli", "2.5.0", 94)],
    "poetry_2_0": [("attrs", "25.3.0", 4), ("colorama", "0.4.6", 29), ("iniconfig", "2.1.0", 46),
                   ("localpkg", "0.3.0", 63), ("pluggy", "1.5.0", 79), ("six", "1.17.0", 100),
                   ("tomli", "2.5.0", 117)],
}


@pytest.mark.parametrize("folder", sorted(POETRY_OLD_ROWS))
def test_poetry_lock_before_2_1(folder):
    text = read(f"{folder}/poetry.lock")
    lock = poetry_lock.parse(text, "poetry.lock")
    assert lock.format == "poetry" and lock.problems == []
    assert rows(lock) == POETRY_OLD_ROWS[folder]
    assert_name_lines(lock, text)
    packages = by_name(lock)
    # 1.1 keeps hashes in [metadata.files], 2.0 in each package's `files`: same hashes.
    assert len(packages["attrs"].hashes) == 2 and len(packages["tomli"].hashes) == 65
    assert all(h.startswith("sha256:") for p in lock.packages for h in p.hashes)
    localpkg = packages["localpkg"]
    assert (localpkg.source_url, localpkg.source_commit) == ("file:///tmp/localpkg",
                                                             LOCALPKG_COMMIT)
    # A `legacy` source is an index, not a direct location.
    assert packages["six"].source_url is None
    # These locks record no package markers: everything applies, colorama on Linux too.
    assert all(p.marker is None for p in lock.packages)
    assert len(lock.select(LINUX_311)) == len(lock.packages)


def test_poetry_lock_2_1_markers():
    text = read("poetry_2_1/poetry.lock")
    lock = poetry_lock.parse(text, "poetry.lock")
    assert lock.problems == []
    assert rows(lock) == [
        ("attrs", "26.1.0", 4), ("colorama", "0.4.6", 21), ("exceptiongroup", "1.3.2", 39),
        ("iniconfig", "2.1.0", 63), ("localpkg", "0.3.0", 81), ("packaging", "26.3", 97),
        ("pluggy", "1.6.0", 114), ("pygments", "2.21.0", 135), ("pytest", "8.4.2", 155),
        ("six", "1.17.0", 184), ("tomli", "2.5.0", 201), ("typing-extensions", "4.16.0", 282),
    ]
    assert_name_lines(lock, text)
    packages = by_name(lock)
    assert packages["colorama"].marker == 'sys_platform == "win32"'
    # `markers = {main = "extra == \"test\""}` with groups ["main", "dev"]: in dev always.
    assert packages["iniconfig"].marker is None
    assert packages["localpkg"].source_url == "file://None/tmp/localpkg"  # sic: Poetry 2.5.1
    assert packages["localpkg"].source_commit == LOCALPKG_COMMIT
    assert picked(lock, LINUX_311) == [
        ("attrs", "26.1.0"), ("iniconfig", "2.1.0"), ("localpkg", "0.3.0"),
        ("packaging", "26.3"), ("pluggy", "1.6.0"), ("pygments", "2.21.0"),
        ("pytest", "8.4.2"), ("six", "1.17.0"),
    ]
    assert ("colorama", "0.4.6") in picked(lock, WIN_311)
    assert {("tomli", "2.5.0"), ("exceptiongroup", "1.3.2")} <= set(picked(lock, LINUX_39))


POETRY_SOURCES = """\
[[package]]
name = "mylib"
version = "0.1.0"
description = ""
optional = false
python-versions = ">=3.9"
groups = ["main"]
files = []
develop = true

[package.source]
type = "directory"
url = "libs/mylib"

[[package]]
name = "plotting"
version = "1.0"
optional = true
python-versions = "*"
groups = ["main", "viz"]
markers = {main = "extra == 'viz' and sys_platform == 'linux'", viz = "sys_platform == 'linux'"}
files = [{file = "plotting-1.0.tar.gz", hash = "sha256:00"}]

[[package]]
name = "wheelpkg"
version = "2.0"
optional = false
python-versions = "*"
files = []

[package.source]
type = "url"
url = "https://example.org/wheelpkg-2.0-py3-none-any.whl"

[extras]
viz = ["plotting"]

[metadata]
lock-version = "2.1"
python-versions = ">=3.9"
content-hash = "00"
"""


def test_poetry_lock_direct_sources_and_marker_tables():
    lock = poetry_lock.parse(POETRY_SOURCES, "poetry.lock")
    assert lock.problems == []
    packages = by_name(lock)
    assert (packages["mylib"].source_url, packages["mylib"].editable) == ("libs/mylib", True)
    assert packages["wheelpkg"].source_url.endswith("wheelpkg-2.0-py3-none-any.whl")
    assert packages["plotting"].marker == (
        "(extra == 'viz' and sys_platform == 'linux') or (sys_platform == 'linux')")
    assert packages["plotting"].hashes == ("sha256:00",)
    assert [p.name for p in lock.select(LINUX_311)] == ["mylib", "plotting", "wheelpkg"]
    assert [p.name for p in lock.select(WIN_311)] == ["mylib", "wheelpkg"]


# ------------------------------------------------------------------------ Pipfile.lock

def test_pipfile_lock_sections_pins_and_sources():
    text = read("pipenv/Pipfile.lock")
    lock = pipfile_lock.parse(text, "Pipfile.lock")
    assert lock.format == "pipfile" and lock.problems == []
    got = [(p.name, p.version, p.specifier, p.line, len(p.hashes)) for p in lock.packages]
    assert got == [
        ("attrs", "26.1.0", "==26.1.0", 19, 2),
        ("colorama", None, "", 28, 0),  # "version": "*": pipenv pins nothing off-platform
        ("localpkg", None, "", 32, 0),
        ("six", "1.17.0", "==1.17.0", 36, 2),
        ("tomli", None, "", 45, 0),
        ("iniconfig", "2.3.1", "==2.3.1", 51, 2),  # develop
        ("packaging", "26.4", "==26.4", 59, 2),
        ("pluggy", "1.7.0", "==1.7.0", 67, 2),
        ("pygments", "2.21.0", "==2.21.0", 75, 2),
        ("pytest", "9.2.0", "==9.2.0", 83, 2),
    ]
    assert_name_lines(lock, text)
    packages = by_name(lock)
    assert (packages["localpkg"].source_url, packages["localpkg"].source_commit) == (
        "file:///tmp/localpkg", LOCALPKG_COMMIT)
    assert packages["colorama"].marker == "sys_platform == 'win32'"
    names_311 = [p.name for p in lock.select(LINUX_311)]
    assert "colorama" not in names_311 and "tomli" not in names_311 and "pytest" in names_311
    assert "colorama" in [p.name for p in lock.select(WIN_311)]


def test_pipfile_lock_editable_path_file_and_branch_refs():
    text = """{
    "_meta": {"pipfile-spec": 6},
    "default": {
        "mypkg": {"editable": true, "path": "."},
        "Some_Lib": {"file": "https://example.org/some_lib-1.0.tar.gz", "version": "===1.0"},
        "branchy": {"git": "https://github.com/org/branchy.git", "ref": "main"},
        "ranged": {"version": ">=2,<3"}
    },
    "develop": {}
}"""
    lock = pipfile_lock.parse(text, "Pipfile.lock")
    assert lock.problems == []
    got = [(p.name, p.line, p.version, p.specifier, p.source_url, p.source_commit, p.editable)
           for p in lock.packages]
    assert got == [
        ("mypkg", 4, None, "", ".", None, True),
        ("some-lib", 5, "1.0", "===1.0", "https://example.org/some_lib-1.0.tar.gz", None, False),
        ("branchy", 6, None, "", "https://github.com/org/branchy.git", None, False),
        ("ranged", 7, None, ">=2,<3", None, None, False),
    ]


# ---------------------------------------------------------------- malformed input

def problem_lines(lock) -> list[int]:
    return [p.line for p in lock.problems]


@pytest.mark.parametrize("parse, header", [(uv_lock.parse, "package"),
                                           (poetry_lock.parse, "package"),
                                           (pylock.parse, "packages")])
def test_toml_malformed_entries(parse, header):
    text = (f'lock-version = "1.0"\ncreated-by = "x"\n\n'
            f'[[{header}]]\nname = "good"\nversion = "1.0"\n\n'
            f'[[{header}]]\nname = "bad"\nversion = 3\n\n'
            f'[[{header}]]\nversion = "2.0"\n\n'
            f'[[{header}]]\nname = ["x"]\n\n'
            f'[[{header}]]\nname = "last"\nversion = "4"\nsource = "pypi"\nvcs = 1\nmarker = 2\n')
    lock = parse(text, "lock")
    assert [(p.name, p.version, p.line) for p in lock.packages] == [
        ("good", "1.0", 5), ("bad", None, 9), ("last", "4", 19)]
    messages = {p.line: p.message for p in lock.problems}
    assert "'version' must be a string, not an integer" in messages[9]
    assert messages[12] == f"a [[{header}]] entry has no name"
    assert messages[15] == f"a [[{header}]] entry has a name that is an array"
    assert 19 in messages  # source / vcs / marker of the wrong type
    assert all(p.col >= 1 for p in lock.problems)


@pytest.mark.parametrize("parse, name", [(uv_lock.parse, "uv/uv.lock"),
                                         (poetry_lock.parse, "poetry_2_1/poetry.lock"),
                                         (pylock.parse, "uv/pylock.toml")])
def test_truncated_toml_is_a_problem_at_its_line(parse, name):
    text = read(name)
    cut = text[: text.index("\n", text.index('name = "six"')) + 1] + 'version = "1.17'
    lock = parse(cut, "lock")
    assert lock.packages == []
    [problem] = lock.problems
    assert problem.message.startswith("not valid TOML")
    assert problem.line == cut.count("\n") + 1  # the unterminated string's line


def test_toml_error_positions():
    lock = uv_lock.parse('[[package]]\nname = "a"\n[[package]\nname = "b"\n', "uv.lock")
    [problem] = lock.problems
    assert (problem.line, problem.col) == (3, 10)
    assert "(at line" not in problem.message and problem.message.startswith("not valid TOML:")
    merge = read("uv_sources/uv.lock").replace('[[package]]\nname = "six"',
                                               '<<<<<<< HEAD\n[[package]]\nname = "six"')
    lock = uv_lock.parse(merge, "uv.lock")
    assert problem_lines(lock) == [27] and lock.packages == []
    deep = uv_lock.parse("a = " + "[" * 5000, "uv.lock")
    assert problem_lines(deep) == [1]


@pytest.mark.parametrize("parse, key", [(uv_lock.parse, "package"),
                                        (poetry_lock.parse, "package"),
                                        (pylock.parse, "packages")])
def test_toml_wrong_top_level_shapes(parse, key):
    lock = parse(f'lock-version = "1.0"\n\n{key} = "nope"\n', "lock")
    assert lock.packages == [] and 3 in problem_lines(lock)
    lock = parse(f'lock-version = "1.0"\n{key} = ["a", 1]\n', "lock")
    assert lock.packages == [] and problem_lines(lock)[:2] == [1, 1]
    assert parse("", "lock").packages == []


def test_poetry_wrong_types():
    text = ('[[package]]\nname = "a"\nversion = "1"\nmarkers = 5\n\n'
            '[[package]]\nname = "b"\nversion = "1"\ngroups = ["main"]\nmarkers = {main = 1}\n\n'
            '[metadata]\nfiles = 3\n')
    lock = poetry_lock.parse(text, "poetry.lock")
    assert rows(lock) == [("a", "1", 2), ("b", "1", 7)]
    assert problem_lines(lock) == [2, 7]
    assert poetry_lock.parse("metadata = 1\n", "poetry.lock").problems[0].line == 1


def test_broken_json():
    lock = pipfile_lock.parse('{\n  "default": {\n    "six": {"version": "==1.0",}\n', "P")
    [problem] = lock.problems
    assert (problem.line, problem.col) == (3, 32) and problem.message.startswith("not valid JSON")
    assert pipfile_lock.parse("", "P").problems[0].line == 1
    assert pipfile_lock.parse("[" * 100000, "P").problems[0].line == 1


def test_pipfile_wrong_shapes():
    text = ('{\n  "_meta": {},\n  "default": ["six"],\n  "develop": {\n'
            '    "a": "==1.0",\n    "b": {"version": 1, "hashes": "x", "git": []},\n'
            '    "": {}\n  }\n}\n')
    lock = pipfile_lock.parse(text, "Pipfile.lock")
    assert [p.name for p in lock.packages] == ["b"]
    assert [(p.line, p.message) for p in lock.problems] == [
        (3, "'default' must be an object, not an array"),
        (5, "a: must be an object, not a string"),
        (6, "b: 'version' must be a string, not an integer"),
        (6, "b: 'git' must be a string, not an array"),
        (6, "b: 'hashes' must be an array, not a string"),
        (7, "a package with an empty name"),
    ]
    assert pipfile_lock.parse("[1, 2]", "P").problems[0].message.endswith("not an array")


def test_pipfile_meta_of_another_shape_is_said():
    """Reliability round 28: `_meta` of the wrong types passed in silence; pipenv refuses
    such a lock."""
    text = '{\n  "_meta": {"sources": "x", "requires": 5},\n  "default": {}\n}\n'
    assert [(p.line, p.message) for p in pipfile_lock.parse(text, "P").problems] == [
        (2, "'_meta.sources' must be an array, not a string"),
        (2, "'_meta.requires' must be an object, not an integer")]
    assert [p.message for p in pipfile_lock.parse('{"_meta": [1]}', "P").problems] == [
        "'_meta' must be an object, not an array"]


def test_entry_lines_fallback_without_headers():
    text = 'package = [\n  { name = "a", version = "1" },\n  { name = "b" },\n]\n'
    assert entry_lines(text, "package", ["a", "b", "c", None]) == [2, 3, 1, 1]
    lock = uv_lock.parse(text, "uv.lock")
    assert rows(lock) == [("a", "1", 2), ("b", None, 3)]
    # a name given twice takes its lines in order; quotes of either kind; a lookalike key no
    text = ("package = [\n  { name = 'a' },\n  { name = \"a\" },\n  { names = \"b\" },\n"
            "  { name = \"it's\" },\n]\n")
    assert entry_lines(text, "package", ["a", "a", "a", "b", "it's"]) == [2, 3, 1, 1, 5]


def test_entry_lines_of_many_entries_take_one_pass(monkeypatch):
    """32,000 entries compiled 32,000 patterns (8 s); a quadratic fallback scan too. Counted,
    not timed: the test cannot depend on the machine's speed."""
    import re

    n = 20_000
    calls: list = []
    compile_ = re.compile
    monkeypatch.setattr(re, "compile", lambda *a, **k: calls.append(a) or compile_(*a, **k))
    text = "".join(f'[[package]]\nname = "p{i}"\n' for i in range(n))
    assert entry_lines(text, "package", [f"p{i}" for i in range(n)])[-1] == 2 * n
    inline = "package = [\n" + "".join(f'{{ name = "p{i}" }},\n' for i in range(n)) + "]"
    assert entry_lines(inline, "package", [f"p{i}" for i in range(n)])[-1] == n + 1
    assert len(calls) <= 4, len(calls)


# ---------------------------------------------------------------- never raise

TOKENS = [
    *string.printable, "[[package]]\n", "[[packages]]\n", "name = ", 'version = "1.0"\n',
    '"a"', "\n", "{", "}", "[", "]", '"', "'", "=", ",", ":", "#", "é", "\x00", "\u2028",
    "\\u00e9", '"""', "source = { git = ", "dependencies = [", "marker = ", "extra = [",
    'markers = {main = "', "[metadata]\n", "files = ", '"_meta": ', '"default": {', '"develop":',
    '"version": "==', '"hashes": [', "true", "null", "1979-05-27T07:32:00Z", "inf", "nan",
    "lock-version = ", "vcs = {", "archive = {", "directory = {", "wheels = [", "[manifest]\n",
    "resolution-markers = [", "python_full_version < '3.10'", "extra == 'x'",
]
GARBLED = st.lists(st.sampled_from(TOKENS), max_size=150).map("".join)


def exercise(parse, text: str) -> None:
    lock = parse(text, "lock")
    total = text.count("\n") + 1
    for problem in lock.problems:
        assert 1 <= problem.line <= total and problem.col >= 1 and problem.message
    for package in lock.packages:
        assert package.name and 1 <= package.line <= total
    for env in ENVS:
        lock.select(env)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text=GARBLED, parse=st.sampled_from(PARSERS))
def test_garbled_text_never_raises(text, parse):
    exercise(parse, text)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400), parse=st.sampled_from(PARSERS),
       errors=st.sampled_from(["replace", "surrogateescape", "ignore"]))
def test_random_bytes_never_raise(data, parse, errors):
    exercise(parse, data.decode("utf-8", errors))


FIXTURE_FILES = [(uv_lock.parse, "uv/uv.lock"), (uv_lock.parse, "uv_sources/uv.lock"),
                 (pylock.parse, "uv/pylock.toml"), (poetry_lock.parse, "poetry_1_1/poetry.lock"),
                 (poetry_lock.parse, "poetry_2_1/poetry.lock"),
                 (pipfile_lock.parse, "pipenv/Pipfile.lock")]


@settings(max_examples=200, deadline=None)
@given(case=st.sampled_from(FIXTURE_FILES), cut=st.floats(0, 1), drop=st.floats(0, 1),
       insert=st.sampled_from(["", "[[package]]\n", "version = 3\n", "}", "]", '"x": 1,\n',
                               "name = 1\n", "[package.source]\n", "dependencies = 7\n"]))
def test_damaged_real_locks_never_raise(case, cut, drop, insert):
    parse, name = case
    lines = read(name).split("\n")
    del lines[int(drop * (len(lines) - 1))]
    at = int(cut * len(lines))
    exercise(parse, "\n".join([*lines[:at], insert, *lines[at:]]))


def test_every_toml_reader_turns_deep_nesting_into_a_problem(tmp_path):
    """Reliability round 36 (F1): a sub-project's pyproject.toml found as a lock, and a
    poetry.toml read to find the environment, raised RecursionError (a traceback, and an
    empty `--format json`): two of four TOML readers did not catch it. One reader now."""
    from mlgate.locks.requirements import parse_pyproject
    from mlgate.tool_environments import _read_toml

    deep = '[project]\nname = "sub"\n[tool.x]\ny = ' + "[" * 3000 + "]" * 3000 + "\n"
    lock = parse_pyproject(deep, "sub/pyproject.toml")
    assert [p.message for p in lock.problems] == [
        "invalid TOML: nested too deeply to read (line 1, column 1)"], lock.problems
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "poetry.toml").write_text("[virtualenvs]\nx = " + "[" * 3000 + "]" * 3000)
    assert _read_toml(str(tmp_path / "poetry.toml"), str(tmp_path)) == {}
