"""How mlgate lists a repository's files: one tagged `git ls-files` call, checked against the
three plain listings it replaced (tracked and untracked-not-ignored, tracked, deleted), on a
work tree holding every state a file can be in."""

from __future__ import annotations

import os
import subprocess

from mlgate.files import project_files, tracked_in


def _git(cwd, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def _plain(cwd, *options: str) -> set[str]:
    return set(_git(cwd, "ls-files", "-z", *options, "--", ".").split("\0")) - {""}


def test_one_tagged_listing_agrees_with_the_plain_ones(tmp_path, monkeypatch):
    for name, text in {"a.py": "a", "b.py": "b", "d/c.txt": "c", "gone.txt": "g",
                       "skip.txt": "s", "odd name\n.py": "o", ".gitignore": "*.log\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    os.remove(tmp_path / "gone.txt")  # deleted from the work tree, still tracked
    (tmp_path / "new.py").write_text("u")  # untracked
    (tmp_path / "x.log").write_text("l")  # ignored
    (tmp_path / "staged.py").write_text("s")
    _git(tmp_path, "add", "staged.py")  # staged
    _git(tmp_path, "rm", "-q", "--cached", "b.py")  # untracked again
    _git(tmp_path, "update-index", "--skip-worktree", "skip.txt")
    os.remove(tmp_path / "skip.txt")  # a sparse checkout's absent file
    (tmp_path / "a.py").write_text("modified")
    monkeypatch.chdir(tmp_path)

    plain = (_plain(tmp_path, "--cached", "--others", "--exclude-standard")
             - _plain(tmp_path, "--deleted"))
    # skip-worktree files are left out as deleted ones are (reliability round 32: a sparse
    # checkout's absent files were each an MLG001 error)
    assert project_files(".") == sorted(plain - {"skip.txt"})
    assert {"new.py", "b.py", "staged.py", "odd name\n.py", "skip.txt"} <= plain
    assert not {"gone.txt", "x.log"} & plain
    assert sorted(tracked_in(str(tmp_path))) == sorted(
        _plain(tmp_path, "--cached") - {"skip.txt"})


def test_a_sparse_checkout_is_scanned_without_errors_for_what_it_left_out(tmp_path,
                                                                         monkeypatch, capsys):
    from mlgate.cli import main

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "ok.py").write_text("print(1)\n")
    (tmp_path / "app.py").write_text("DATA = '/Users/ana/train.csv'\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    _git(tmp_path, "sparse-checkout", "set", "--no-cone", "/*", "!/docs/")
    assert not (tmp_path / "docs" / "ok.py").exists()
    monkeypatch.chdir(tmp_path)
    assert main(["paths", "--format", "json"]) == 1
    assert [f["code"] for f in __import__("json").loads(capsys.readouterr().out)] == ["MLG101"]
