"""Review round 31: containers a plain loader opens that discovery did not look into.

pandas.read_pickle infers a compression from the name and unpickles what it finds: the one
file of a `.tar`, `.tar.gz`, `.tar.bz2` or `.tar.xz` archive, the one member of a `.zip`
(protocol 0 and 1 as well), and a `.zst` stream (with zstandard installed). Discovery knew
none of the tar forms, looked only for a protocol 2+ header in a zip's members, and had no
notion of zstd: the audit called such a project READY. The rule: every container a plain
loader opens is looked into (a tar's first file, a one-member zip with the full sniff), and
one mlgate cannot read (tar, zstd) is refused with what to commit instead.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import tarfile

import pytest

from helpers import artifact_json


def _tar(members: dict, compression: str = "") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:" + compression) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _one_member_zip(data: bytes) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("model", data)
    return out.getvalue()


PAYLOAD = pickle.dumps(print)
CASES = {
    "model.tar": _tar({"model.pkl": PAYLOAD}),
    "xgb.tar": _tar({"xgb.pkl": PAYLOAD}),  # starts with "x", as a zlib stream does
    "model.tar.gz": _tar({"model.pkl": PAYLOAD}, "gz"),
    "model.tar.bz2": _tar({"model.pkl": pickle.dumps(print, 0)}, "bz2"),
    "model.tar.xz": _tar({"model.pkl": PAYLOAD}, "xz"),
    "weights.zip": _one_member_zip(pickle.dumps(print, 0)),
    "model.pkl.zst": b"\x28\xb5\x2f\xfd" + bytes(20),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_archive_pandas_unpickles_is_found_and_refused(git_project, capsys, name):
    pandas = pytest.importorskip("pandas")
    (git_project / name).write_bytes(CASES[name])
    if not name.endswith(".zst"):  # (zstandard is not a test dependency)
        assert pandas.read_pickle(git_project / name) is print  # what a project would run
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load")
    assert code == 1 and [f["path"] for f in found] == [name], found
    assert found[0]["code"] == "MLG304", found


def test_archives_of_data_are_not_artifacts(git_project, capsys):
    (git_project / "data.tar.gz").write_bytes(_tar({"d": None, "d/a.csv": b"x,y\n1,2\n"}, "gz"))
    (git_project / "train.csv.zst").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(20))
    (git_project / "notes.zip").write_bytes(_one_member_zip(b"some notes\n"))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load")
    assert found == [], found
    assert code == 0, code
