"""Re-creates the committed files written by joblib < 1.2 (see README.md here).

joblib 0.12 to 1.1 writes each array's bytes right after its wrapper, with no padding byte:
whether `pickle.load` would read them as opcodes depends on the values. Each file here puts
first an array whose first byte is an opcode, a different one per file:

- `labels`: '<U3' text starting with 'c' (GLOBAL, whose module line starts with a NUL);
- `codes`: int64 starting with 40 ('(' MARK, then a NUL: an invalid opcode);
- `weights`: float64 starting with the byte 'p' (PUT, whose line is no number);
- `scaled.z`: the same float first, zlib-compressed (level 3).

Plain dicts of arrays (no scikit-learn state: no version finding). With scikit-learn, the
environment also writes `bunch.pkl`: the `sklearn.utils.Bunch` an ensemble's
`named_estimators_` was before scikit-learn 1.1, holding plain values.

Run with an interpreter that has the old versions, e.g.:
    python3.7 -m venv /tmp/jl012 && /tmp/jl012/bin/pip install joblib==0.12.5 numpy==1.16.6
    /tmp/jl012/bin/python tests/artifact_fixtures/make_old_joblib.py
The file names carry the versions, so one run per environment adds its own files.
"""

import os
import pickle
import struct
import sys

import joblib
import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "old_joblib")
TAG = (f"joblib{joblib.__version__}-numpy{np.__version__}"
       f"-py{sys.version_info[0]}{sys.version_info[1]}").replace(".", "_")
# 0.2543..., whose little-endian bytes start with 'p' (a float a model really had)
P_FLOAT = struct.unpack("<d", b"p\xaf\xaeh`G\xd0?")[0]


def path(name):
    return os.path.join(HERE, f"{TAG}-{name}")


if not os.path.isdir(HERE):
    os.makedirs(HERE)
joblib.dump({"classes": np.array(["cat", "dog"]), "counts": np.array([3, 5])},
            path("labels.joblib"))
joblib.dump({"codes": np.array([40, 41, 7]), "name": "encoder"}, path("codes.joblib"))
joblib.dump({"weights": np.array([P_FLOAT, -1.5, 2.0]), "bias": 0.25}, path("weights.joblib"))
joblib.dump({"weights": np.array([P_FLOAT, 0.5]), "scale": np.array([1.0, 2.0])},
            path("scaled.joblib.z"), compress=3)
try:
    from sklearn.utils import Bunch
except ImportError:
    Bunch = None
if Bunch is not None and Bunch.__module__ == "sklearn.utils":
    with open(path("bunch.pkl"), "wb") as handle:
        pickle.dump(Bunch(alpha=0.5, names=["lr", "tree"]), handle, protocol=2)
