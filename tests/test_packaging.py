"""The wheel must carry every subpackage of hooks/ (an editable install would hide a gap)."""

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = {
        ".".join(("mlgate", *init.parent.relative_to(ROOT / "hooks").parts))
        for init in (ROOT / "hooks").rglob("__init__.py")
    }
    assert found == listed
