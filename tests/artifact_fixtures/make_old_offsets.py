"""Write a bundle of pandas date offsets as pandas 1.x pickles them (a DateOffset by NEWOBJ
and its attribute dict, holding a dateutil relativedelta), for the tests of ordinary
artifacts. Run with an interpreter that has pandas 1.x:

    python make_old_offsets.py OUTPUT_FOLDER"""

import platform
import sys

import joblib
import numpy as np
import pandas as pd

folder = sys.argv[1]
tag = (f"pandas{pd.__version__.replace('.', '_')}-numpy{np.__version__.replace('.', '_')}"
       f"-py{''.join(platform.python_version_tuple()[:2])}")
offsets = pd.offsets
joblib.dump({
    "horizon": pd.DateOffset(months=1),
    "step": pd.DateOffset(hours=1.5),
    "billing": pd.DateOffset(months=1, day=1, weekday=2),
    "trading": offsets.CustomBusinessDay(holidays=["2021-01-01", "2021-12-24"]),
    "month_end": offsets.CustomBusinessMonthEnd(),
    "desk": offsets.BusinessHour(start="08:30", end="17:00"),
    "fiscal": offsets.FY5253Quarter(weekday=0, startingMonth=1, qtr_with_extra_week=1),
    "days": pd.date_range("2021-01-04", periods=5, freq="C"),
}, f"{folder}/{tag}-offsets.joblib")
