"""Write a bundle of pandas extension arrays and tick offsets as pandas 1.0-1.2 pickle them
(Period and Interval arrays, the nullable boolean and integer arrays, a Day or Hour tick,
an index with such a freq), for the tests of ordinary artifacts. Run with an interpreter
that has pandas 1.x:

    python make_old_extension_arrays.py OUTPUT_FOLDER"""

import platform
import sys

import joblib
import numpy as np
import pandas as pd

folder = sys.argv[1]
tag = (f"pandas{pd.__version__.replace('.', '_')}-numpy{np.__version__.replace('.', '_')}"
       f"-py{''.join(platform.python_version_tuple()[:2])}")
frame = pd.DataFrame({
    "month": pd.period_range("2021-01", periods=3, freq="M"),
    "band": pd.arrays.IntervalArray.from_breaks([0, 1, 5, 10]),
    "flag": pd.array([True, None, False], dtype="boolean"),
    "count": pd.array([1, None, 3], dtype="Int64"),
}, index=pd.date_range("2021-01-04", periods=3, freq="D"))
joblib.dump({
    "frame": frame,
    "day": pd.offsets.Day(2),
    "hour": pd.offsets.Hour(),
    "minutes": pd.offsets.Minute(15),
    "hourly": pd.date_range("2021-01-04", periods=4, freq="H"),
    "bins": pd.IntervalIndex.from_breaks([0, 18, 65, 120]),
    "months": pd.period_range("2021-01", periods=12, freq="M"),
}, f"{folder}/{tag}-extension-arrays.joblib")
