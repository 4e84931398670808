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
