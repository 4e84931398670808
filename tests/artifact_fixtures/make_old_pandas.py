"""Write DataFrames as pandas 1.x pickles them (NEWOBJ of BlockManager, then its 4-tuple
state), for the tests of ordinary artifacts. Run with an interpreter that has pandas 1.x:

    python make_old_pandas.py OUTPUT_FOLDER

Each file is named after the pandas, numpy and Python versions that wrote it."""

import datetime
import pickle
import platform
import sys

import joblib
import numpy as np
import pandas as pd

folder = sys.argv[1]
tag = (f"pandas{pd.__version__.replace('.', '_')}-numpy{np.__version__.replace('.', '_')}"
       f"-py{''.join(platform.python_version_tuple()[:2])}")
frame = pd.DataFrame({
    "tenure": [1, 5, 12, 30],
    "charges": [20.5, 35.0, 70.25, 99.9],
    "contract": ["month", "year", "month", "two-year"],
    "churned": [True, False, False, True],
    "signed": pd.to_datetime(["2020-01-01", "2020-06-15", "2021-03-01", "2019-11-30"]),
    # (since 2026-12-06: pandas 1.2 caches its data's view in a tz column's array; the
    # standard library's UTC, so that no pytz is needed to read it)
    "seen": pd.date_range("2021-01-01", periods=4, tz=datetime.timezone.utc),
    "plan": pd.Categorical(["a", "b", "a", "c"]),
    "seats": pd.array([1, None, 3, 4], dtype="Int64"),
    "note": pd.array(["x", None, "y", "z"], dtype="string"),
})
joblib.dump({"reference": frame.describe(), "frame": frame}, f"{folder}/{tag}-bundle.joblib")
with open(f"{folder}/{tag}-frame-p2.pkl", "wb") as handle:
    pickle.dump(frame, handle, protocol=2)
# pandas 1.x parses an ISO-8601 time with an offset into a pytz fixed offset (false-alarm
# round 46 F1); written by pandas 1.5.3 with pytz installed
if pd.__version__.startswith("1.") and pd.__version__ >= "1.5":
    events = pd.DataFrame({"ts": pd.to_datetime(["2021-01-01T08:00:00+02:00",
                                                 "2021-01-02T09:30:00+02:00"]), "v": [1, 2]})
    joblib.dump(events, f"{folder}/{tag}-fixed-offset.joblib")
