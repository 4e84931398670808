# Kaggle kernel: LightGBM baseline for the house-prices competition.
# Inputs are mounted read-only; anything written to the working dir is kept as output.
import os

import lightgbm as lgb
import numpy as np
import pandas as pd

for dirname, _, filenames in os.walk("/kaggle/input"):
    for filename in filenames:
        print(os.path.join(dirname, filename))

train = pd.read_csv("/kaggle/input/house-prices-advanced-regression-techniques/train.csv")
test = pd.read_csv("/kaggle/input/house-prices-advanced-regression-techniques/test.csv")
extra = pd.read_csv("../input/ames-extra/extra.csv")  # relative form used by older kernels

target = np.log1p(train.pop("SalePrice"))
features = [c for c in train.columns if train[c].dtype != "object" and c != "Id"]

model = lgb.LGBMRegressor(n_estimators=2000, learning_rate=0.02, num_leaves=31)
model.fit(train[features], target)

preds = np.expm1(model.predict(test[features]))
submission = pd.DataFrame({"Id": test["Id"], "SalePrice": preds})
submission.to_csv("/kaggle/working/submission.csv", index=False)
submission.to_csv("submission_copy.csv", index=False)
model.booster_.save_model(os.path.join("/kaggle/working", "lgbm.txt"))
