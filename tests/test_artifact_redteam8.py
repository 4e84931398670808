"""Round 8 of red-teaming: gaps left open by round 7, each closed by a rule.

- a project module reached through a tracked symlink (`myproj/est.py -> ../impl/est.py`, or
  a linked folder) was taken for the project's own code: git tracks the link, not what it
  points at, and a link can be repointed between the scan and the load. Project code is now
  a regular file reached without a symlink.
"""

from __future__ import annotations

import os
import subprocess

from helpers import artifact_json

MODEL = ("from sklearn.base import BaseEstimator\n\n\n"
         "class Model(BaseEstimator):\n    def __init__(self, alpha=1.0):\n"
         "        self.alpha = alpha\n")


def _short(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def _model_pickle(module: str) -> bytes:
    """NEWOBJ(module.Model, ()) with the attribute dict a fitted one has."""
    return (b"\x80\x04" + _short(module) + _short("Model") + b"\x93)\x81}("
            + _short("alpha") + b"G?\xf0\x00\x00\x00\x00\x00\x00" + b"ub.")


def test_a_project_module_that_is_a_symlink_is_not_project_code(git_project, capsys):
    (git_project / "impl").mkdir()
    (git_project / "impl" / "est.py").write_text(MODEL)
    (git_project / "myproj").mkdir()
    (git_project / "myproj" / "__init__.py").write_text("")
    os.symlink(os.path.join("..", "impl", "est.py"), git_project / "myproj" / "est.py")
    subprocess.run(["git", "add", "impl", "myproj"], check=True)
    (git_project / "model.pkl").write_bytes(_model_pickle("myproj.est"))
    code, found = artifact_json(capsys, "model.pkl")
    assert code == 1 and found[0]["code"] == "MLG301", found
    assert "myproj.est" in found[0]["message"]


def test_a_project_package_behind_a_linked_folder_is_not_project_code(git_project, capsys):
    (git_project / "real_pkg").mkdir()
    (git_project / "real_pkg" / "__init__.py").write_text("")
    (git_project / "real_pkg" / "est.py").write_text(MODEL)
    os.symlink("real_pkg", git_project / "linked")
    subprocess.run(["git", "add", "real_pkg", "linked"], check=True)
    (git_project / "model.pkl").write_bytes(_model_pickle("linked.est"))
    code, found = artifact_json(capsys, "model.pkl")
    assert code == 1 and found[0]["code"] == "MLG301", found


def test_the_same_module_as_a_regular_file_passes(git_project, capsys):
    (git_project / "myproj").mkdir()
    (git_project / "myproj" / "__init__.py").write_text("")
    (git_project / "myproj" / "est.py").write_text(MODEL)
    subprocess.run(["git", "add", "myproj"], check=True)
    (git_project / "model.pkl").write_bytes(_model_pickle("myproj.est"))
    assert artifact_json(capsys, "model.pkl") == (0, [])
