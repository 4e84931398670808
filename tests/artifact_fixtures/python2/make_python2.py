# -*- coding: utf-8 -*-
"""Python 2.7 pickles as its two picklers wrote them (run with a Python 2 interpreter).

cPickle numbers its memo from 1 (the pure-Python pickler from 0); both write a bytearray as
bytearray(u'<latin-1 text>', 'latin-1') at protocols 0-2 (an XGBoost Booster's 'handle')."""
import cPickle
import pickle

VALUES = {
    "stopwords": set(["the", "of", "and"]),
    "vocab": {"<pad>": 0, "<unk>": 1, "word": 2, "nested": [u"caf\xe9", (1.5, None, True)]},
    "booster": {"handle": bytearray(b"\x00\x01binf\xff"), "name": u"gbtree"},
}

for name, value in sorted(VALUES.items()):
    for protocol in (0, 1, 2):
        with open("%s-cpickle-p%d.pkl" % (name, protocol), "wb") as handle:
            cPickle.dump(value, handle, protocol)
        with open("%s-pickle-p%d.pkl" % (name, protocol), "wb") as handle:
            pickle.dump(value, handle, protocol)

# xgboost082-*.pkl: an XGBRegressor of XGBoost 0.82 (Python 2.7.18, numpy 1.16), its Booster's
# handle a bytearray of latin-1 text:
#   X = np.random.RandomState(0).rand(50, 3); y = X[:, 0] * 2
#   m = xgb.XGBRegressor(n_estimators=3, max_depth=2).fit(X, y)
#   cPickle.dump(m, open("xgboost082-cpickle_p0.pkl", "wb"), 0)
#   pickle.dump(m, open("xgboost082-pickle_p2.pkl", "wb"), 2)
