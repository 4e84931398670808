"""`mlgate paths` at scale (issues #12 and #14): work proportional to candidates, linear on any
line, bounded memory on any file, and a result cache that a damaged file cannot break.

No timings here (the machine is shared): the tests count the work done instead."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest

from helpers import cache_value, run_json, sealed
from mlgate.checks import paths
from mlgate.checks.paths import classify
from mlgate.cli import main


def test_a_long_line_costs_time_linear_in_it_and_reports_a_bounded_number(
        tmp_path, capsys, monkeypatch):
    path = tmp_path / "files.json"
    text = json.dumps({"files": [f"/home/user{i}/data/file{i}.csv" for i in range(20_000)]})
    path.write_text(text, encoding="utf-8")
    classified = [0]
    real = classify.find_paths

    def counting(value, **kw):
        classified[0] += len(value)
        return real(value, **kw)

    monkeypatch.setattr(classify, "find_paths", counting)
    _, found = run_json(capsys, str(path))
    assert len(found) == paths.MAX_PER_LINE
    assert "only the first" in found[-1]["message"]
    assert classified[0] < 10 * len(text)  # each character looked at a bounded number of times


@pytest.mark.parametrize("name", ["run.sh", "compose.yaml", "Dockerfile", "notes.txt"])
def test_a_long_line_of_short_paths_is_looked_at_in_linear_time(tmp_path, capsys, monkeypatch,
                                                                name):
    """`cp /a /a ... /b` on one line: each hit near the end of the line opened one more
    window, and each path in a window re-read the whole window's words (40 s for 6 KB)."""
    path = tmp_path / name
    text = "RUN cp" + " /a" * 6000 + " /b\n"
    path.write_text(text, encoding="utf-8")
    looked = [0]
    real_certain, real_look = classify._certain_line, classify.Prefilter._look

    def certain(line):
        looked[0] += len(line)
        return real_certain(line)

    def look(self, window):
        looked[0] += len(window)
        return real_look(self, window)

    monkeypatch.setattr(classify, "_certain_line", certain)
    monkeypatch.setattr(classify.Prefilter, "_look", look)
    classify.prefilter.cache_clear()
    run_json(capsys, str(path))
    assert 0 < looked[0] < 10 * len(text)


def test_a_line_of_repeated_file_uris_is_read_without_recursion(tmp_path, capsys):
    """Reliability round 33: `file:/` repeated on one line was looked for inside each file:
    URI's path again, once per repeat: an 8 KB requirements line ended the run with a
    RecursionError traceback (and every other file's findings with it)."""
    path = tmp_path / "requirements.txt"
    path.write_text("x @ " + "file:///" * 1000 + "\n", encoding="utf-8")
    code, found = run_json(capsys, str(path))
    assert code == 1 and [f["code"] for f in found] == ["MLG107"], found


def test_the_look_back_for_a_host_is_bounded():
    """...and each candidate looked back to the line's last blank, character by character:
    a 96 KB line of them took 104 s. A host or scheme is looked for in a bounded window."""
    from mlgate.checks.paths import usage

    near = "s3://bucket:/home/a"
    assert usage.remote_prefix(near, near.index(":/h") + 1)
    far = "s3://bucket" + "/x" * usage._REMOTE_LOOKBACK + ":/home/a"
    assert not usage.remote_prefix(far, far.index(":/h") + 1)


def test_a_file_over_the_stream_limit_is_read_in_blocks_with_the_same_positions(
        tmp_path, capsys, monkeypatch):
    from mlgate.checks.paths import stream

    long_line = " ".join(f"w{i}" for i in range(3000)) + " cp /home/ana/deep/x.csv ."
    text = ("echo start\n" * 500 + "cd /local-scratch/ana/run\n" + long_line + "\n"
            + "echo x\n" * 900 + "source /groups/lab/env.sh  # mlgate: ignore[MLG109]\n"
            + "ls /mnt/nas/data\n")
    path = tmp_path / "job.sh"
    path.write_text(text, encoding="utf-8")
    _, whole = run_json(capsys, str(path))
    monkeypatch.setattr(paths, "STREAM_LIMIT", 1000)
    monkeypatch.setattr(stream, "BLOCK", 4096)
    monkeypatch.setattr(stream, "_CUT_REACH", 1024)
    used = []
    real = stream.stream_findings
    monkeypatch.setattr(stream, "stream_findings", lambda *a: used.append(1) or real(*a))
    _, blocks = run_json(capsys, str(path))
    assert used
    assert [(f["line"], f["col"], f["code"]) for f in blocks] == [
        (f["line"], f["col"], f["code"]) for f in whole] == [
        (501, 4, "MLG109"), (502, long_line.index("/home") + 1, "MLG101"), (1404, 4, "MLG102")]


def test_streaming_keeps_memory_bounded(tmp_path, monkeypatch):
    import tracemalloc

    from mlgate.checks.paths import stream
    from mlgate.files import Target

    path = tmp_path / "huge.json"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"runs": [')
        for i in range(200_000):  # one line of ~8 MB
            handle.write(f'"/local-scratch/u{i}/run/x{i}.pt", ')
        handle.write('"x"]}\n')
    monkeypatch.setattr(stream, "BLOCK", 256 * 1024)
    opts = paths._Options(paths_args(), _config())
    tracemalloc.start()
    stream.stream_findings(Target(str(path), "json", True), opts)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak  # a few blocks, not the 8 MB line


def paths_args(*argv: str):
    import argparse

    parser = argparse.ArgumentParser()
    paths.add_arguments(parser)
    return parser.parse_args(["--no-cache", *argv])


def _config():
    from mlgate.config import Config

    return Config(root=os.getcwd())


# --- the result cache ---------------------------------------------------------------------------

@pytest.fixture
def repo(tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "train.py").write_text(
        "import pandas as pd\ndf = pd.read_csv('/local-scratch/ana/train.csv')\n"
        "x = '/home/ana/x'\n", encoding="utf-8")
    # a route passes the raw-text gate, not the classifier: kept with no findings
    (tmp_path / "clean.py").write_text("print('/v1/models')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_paths(capsys, *argv: str) -> list[tuple]:
    capsys.readouterr()
    with contextlib.suppress(SystemExit):
        main(["paths", "--format", "json", "--no-config", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return [(f["path"], f["line"], f["col"], f["code"], f["severity"], f["message"])
            for f in json.loads(out)]


def tables(repo) -> list:
    folder = repo / ".git" / "mlgate-cache"
    return sorted(folder.glob("paths-*.json")) if folder.is_dir() else []


def entries(repo) -> dict:
    """Every cached entry, whichever shard holds it."""
    found: dict = {}
    for table in tables(repo):
        found.update(cache_value(table)["entries"])
    return found


def test_a_rerun_takes_unchanged_files_from_the_cache(repo, capsys, monkeypatch):
    first = run_paths(capsys, ".")
    assert [f[3] for f in first] == ["MLG109", "MLG101"]
    prefixes = {table.name.rsplit("-", 1)[0] for table in tables(repo)}
    assert len(prefixes) == 1 and len(entries(repo)) == 2
    with monkeypatch.context() as patched:
        patched.setattr(paths, "_check_text", lambda *a: pytest.fail("classified again"))
        assert run_paths(capsys, ".") == first
    (repo / "train.py").write_text("x = '/home/bob/y'\n", encoding="utf-8")
    assert [f[1:4] for f in run_paths(capsys, ".")] == [(1, 6, "MLG101")]
    assert {table.name.rsplit("-", 1)[0] for table in tables(repo)} == prefixes


def test_a_one_file_run_reads_one_shard_of_the_cache(repo, capsys, monkeypatch):
    for i in range(40):
        (repo / f"job{i}.sh").write_text(f"cd /local-scratch/ana/run{i}\n", encoding="utf-8")
    run_paths(capsys, ".")
    assert len(tables(repo)) > 10
    from mlgate.artifacts.cache import Cache

    read = []
    real = Cache.read
    monkeypatch.setattr(Cache, "read", lambda self, name: read.append(name) or real(self, name))
    assert [f[3] for f in run_paths(capsys, "job7.sh")] == ["MLG109"]
    assert len(read) == 1


def test_no_cache_neither_reads_nor_writes(repo, capsys):
    run_paths(capsys, "--no-cache", ".")
    assert tables(repo) == []


@pytest.mark.parametrize("damage", [
    b"not json at all", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'{"version": 1}',
    b'{"version": 1, "entries": []}', b'{"version": 2, "entries": {}}',
    b"[" * 100_000 + b"]" * 100_000,
    b"KEYED",  # replaced below by wrong rows under the right keys
], ids=["text", "binary", "list", "no-entries", "entries-list", "other-version", "deep",
        "wrong-rows"])  # short ids: pytest puts the id in PYTEST_CURRENT_TEST, and a 400 KB
                        # environment variable makes every subprocess fail with E2BIG
def test_a_damaged_cache_is_ignored_and_rewritten(repo, capsys, damage):
    expected = run_paths(capsys, ".")
    bad = [[[1, 1, "MLG101", "m", "error", "", {"path": "/etc/passwd"}]],
           [["1", 1, "MLG101", "m", "error", "", {}]], [[1, 1, "MLG101"]], "x", None,
           [[0, 1, "MLG101", "m", "error", "", {}]], [[1, 1, "MLG1", "m", "fatal", "", {}]]]
    for table in tables(repo):
        if damage == b"KEYED":
            keys = cache_value(table)["entries"]
            # sealed as mlgate writes it: the rows themselves must be refused
            table.write_bytes(sealed({"version": 1, "entries": {
                key: bad[i % len(bad)] for i, key in enumerate(keys)}}))
        else:
            table.write_bytes(damage)
    assert run_paths(capsys, ".") == expected
    for table in tables(repo):
        assert cache_value(table)["version"] == 1
    assert len(entries(repo)) == 2  # train.py, clean.py: rewritten whole
    assert [p.name for p in tables(repo)[0].parent.iterdir() if p.name.startswith(".")] == []


def test_concurrent_runs_leave_whole_tables(repo):
    for i in range(20):
        (repo / f"job{i}.sh").write_text(f"cd /local-scratch/ana/run{i}\n", encoding="utf-8")
    code = "import sys; from mlgate.cli import main; main(['paths', '--no-config', '.'])"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=repo, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for _ in range(4)]
    errors = [p.communicate()[1] for p in procs]
    assert all(b"Traceback" not in e for e in errors), errors
    assert len(entries(repo)) == 22
    assert [p.name for p in tables(repo)[0].parent.iterdir() if p.name.startswith(".")] == []


def test_concurrent_runs_on_different_files_keep_each_others_entries(repo, capsys,
                                                                     monkeypatch):
    """Run A reads its shards, run B saves its entries into the same shards, then A saves:
    B's entries stay (200 files each over 256 shards: many are shared)."""
    for i in range(400):
        (repo / f"job{i}.sh").write_text(f"cd /local-scratch/ana/run{i}\n", encoding="utf-8")
    from mlgate.checks.paths.results import Results

    real_save = Results.save
    other = [sys.executable, "-c", "from mlgate.cli import main; main(['paths', '--no-config']"
             " + [f'job{i}.sh' for i in range(200, 400)])"]

    def save_after_the_other_run(self):  # this run read its shards before the other saved
        assert not entries(repo)
        subprocess.run(other, cwd=repo, check=False, capture_output=True)
        assert len(entries(repo)) == 200
        real_save(self)

    monkeypatch.setattr(Results, "save", save_after_the_other_run)
    monkeypatch.setattr(paths, "PARALLEL_MIN_FILES", 10_000)  # this process saves
    run_paths(capsys, *[f"job{i}.sh" for i in range(200)])
    assert len(entries(repo)) == 400


def test_workers_hand_their_cache_entries_to_the_parent(repo, capsys, monkeypatch):
    for i in range(8):
        (repo / f"job{i}.sh").write_text(f"cd /local-scratch/ana/run{i}\n", encoding="utf-8")
    monkeypatch.setattr(paths, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(paths, "_idle_cpus", lambda: 2)
    used = []  # filled only where check_file runs: in the workers' copies, not here
    real = paths.check_file
    monkeypatch.setattr(paths, "check_file", lambda *a: used.append(1) or real(*a))
    first = run_paths(capsys, ".")
    assert not used
    assert len(entries(repo)) == 10
    assert run_paths(capsys, ".") == first


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity is Linux's")
@pytest.mark.parametrize(("runnable", "others"), [(1, 0), (2, 1), (99, None)])
def test_workers_follow_what_runs_now_not_the_last_minute(tmp_path, monkeypatch, runnable,
                                                          others):
    """The one-minute load average still counts runs that just ended (a benchmark's previous
    repetitions kept a 2-CPU machine at one worker); what is runnable now is what competes."""
    cpus = len(os.sched_getaffinity(0))
    loadavg = tmp_path / "loadavg"
    loadavg.write_text(f"5.00 5.00 5.00 {runnable}/300 4242\n", encoding="ascii")
    monkeypatch.setattr(paths, "LOADAVG", str(loadavg))
    assert paths._idle_cpus() == (max(1, cpus - others) if others is not None else 1)
    loadavg.write_text("garbage\n", encoding="ascii")  # unreadable: the load average decides
    assert 1 <= paths._idle_cpus() <= cpus


def test_existence_probes_read_a_file_of_many_paths_a_bounded_number_of_times():
    """Each finding asks whether its literal or name is tested for existence somewhere in
    the file; a search from the top for each made a file of 16,000 path lines take 27 s
    (reliability round 24). The searches are counted here: the text is read a bounded number
    of times, however many literals ask."""
    from mlgate.checks.paths import python_source

    scanned = [0]

    class Counted(str):
        def find(self, sub, start=0, *rest):
            at = str.find(self, sub, start, *rest)
            scanned[0] += (at if at >= 0 else len(self)) - start
            return at

        def rfind(self, sub, start=0, end=None):
            at = str.rfind(self, sub, start, len(self) if end is None else end)
            scanned[0] += (len(self) if end is None else end) - (at if at >= 0 else start)
            return at

    count = 3000
    text = Counted("".join(f"p{i} = '/data/x{i}'\n" for i in range(count)))
    probes = python_source._Probes(text)
    for i in range(count):
        assert not probes.probed_value(f"/data/x{i}")
        assert not probes.probed_name(f"p{i}")
    assert scanned[0] < 10 * len(text), scanned[0] / len(text)
    # and what the index answers is what a search finds
    checked = python_source._Probes(
        "if os.path.exists('/ckpt'):\n    ROOT = '/ckpt'\nout.exists()\nout = '/tmp/o'\n")
    assert checked.probed_value("/ckpt") and checked.probed_name("out")
    assert not checked.probed_value("/tmp/o") and not checked.probed_name("ROOT")


def test_a_long_line_of_python_paths_is_read_a_bounded_number_of_times(
        tmp_path, capsys, monkeypatch):
    """One line of Python with 3,000 home-directory literals (and a non-ASCII name): each
    literal searched its whole line for a folder being made, and encoded it again for its
    column (5,000 literals: 39 s; acceptance audit of round 40)."""
    from mlgate.checks.paths import python_source

    path = tmp_path / "paths.py"
    path.write_text('X = ["é", ' + ",".join(f'"/Users/ana/f{i}"' for i in range(3000))
                    + "]\n", encoding="utf-8")
    searched = [0]
    real = python_source._CREATES_RE

    class Counting:
        def search(self, text, start=0, end=None):
            searched[0] += (len(text) if end is None else end) - start
            return real.search(text, start, len(text) if end is None else end)

    monkeypatch.setattr(python_source, "_CREATES_RE", Counting())
    python_source._char_starts.cache_clear()
    _, found = run_json(capsys, "--no-cache", str(path))
    assert len(found) == paths.MAX_PER_LINE and {f["code"] for f in found} == {"MLG101"}
    assert found[1]["col"] == path.read_text().index("/Users/ana/f1") + 1  # characters
    assert searched[0] <= 2 * path.stat().st_size
    assert python_source._char_starts.cache_info().misses <= 2
