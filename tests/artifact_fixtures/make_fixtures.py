"""Re-creates the committed artifacts pickled by *older* libraries (see README.md here).

Run with an interpreter that has the old versions, e.g.:
    python3.9 -m venv /tmp/old && /tmp/old/bin/pip install scikit-learn==1.6.1 numpy==2.0.2 joblib
    /tmp/old/bin/python tests/artifact_fixtures/make_fixtures.py
The file names carry the versions, so one run per environment adds its own files.
"""

import os
import pickle

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(0)
X = pd.DataFrame(rng.rand(40, 3), columns=["tenure", "monthly_charges", "total_charges"])
y = (X["tenure"] > 0.5).astype(int)
tag = f"sklearn{sklearn.__version__}-numpy{np.__version__}".replace(".", "_")
joblib.dump(LogisticRegression().fit(X, y), os.path.join(HERE, f"logreg-{tag}.joblib"))
with open(os.path.join(HERE, f"logreg-{tag}.pkl"), "wb") as handle:
    pickle.dump(LogisticRegression().fit(X, y), handle, protocol=4)
hgb = HistGradientBoostingClassifier(max_iter=3, max_depth=2).fit(X, y)
joblib.dump(hgb, os.path.join(HERE, f"hgb-{tag}.joblib"), compress=3)
