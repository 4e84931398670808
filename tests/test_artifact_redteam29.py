"""Review round 29: counts that size an output the model then fills only in part, and the
positions numpy's bit generators draw from.

- PolynomialFeatures whose `_n_out_full` exceeds what its degrees make, and a TargetEncoder
  whose `classes_` (or features) outnumber its `encodings_`: transform() allocates the
  output with np.empty from the stored count and writes only the columns its real parts
  reach. The rest came back as features: process memory (setuptools' entry points, Python
  bytecode). No crash, so the smoke rows passed. The rule: each such count is what fit
  derives from the others.
- A RandomState whose MT19937 position is 625: numpy makes a new key only at exactly 624,
  so every draw reads one word further past the key; a DummyClassifier("uniform") read the
  heap at predict time and crashed on a 200,000-row batch. The rule: positions inside
  their buffers, as numpy writes them, for every bit generator met in the walk.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.preprocessing import PolynomialFeatures, TargetEncoder

from helpers import artifact_json

RNG = np.random.RandomState(0)
X = RNG.rand(40, 4)
CODES = RNG.randint(0, 4, size=(200, 2))


def _polynomial(attribute):
    model = PolynomialFeatures(degree=2).fit(X)
    setattr(model, attribute, getattr(model, attribute) + 2000)
    return model


def _target_encoder_with_more_classes():
    model = TargetEncoder(target_type="multiclass").fit(CODES, RNG.randint(0, 3, 200))
    model.classes_ = np.arange(503)
    model.target_mean_ = np.resize(model.target_mean_, 503)
    return model


def _target_encoder_with_fewer_encodings():
    model = TargetEncoder(target_type="continuous").fit(CODES, RNG.rand(200))
    model.encodings_ = model.encodings_[:1]
    return model


def _drawing_past_the_key(generator):
    if generator == "MT19937":
        state = np.random.RandomState(0)
        raw = state.get_state(legacy=False)
        raw["state"]["pos"] = 625
        state.set_state(raw)
    else:  # a Generator kept beside the model, which the service draws from
        state = np.random.Generator(np.random.Philox(0))
        raw = state.bit_generator.state
        raw["buffer_pos"] = 9
        state.bit_generator.state = raw
        return {"model": DummyClassifier().fit(X, [0, 1] * 20), "rng": state}
    return DummyClassifier(strategy="uniform", random_state=state).fit(X, [0, 1] * 20)


@pytest.mark.parametrize(("make", "says"), [
    (lambda: _polynomial("_n_out_full"), "output columns other than its degrees"),
    (lambda: _polynomial("n_output_features_"), "output columns other than its degrees"),
    (_target_encoder_with_more_classes, "encodings other than one per feature"),
    (_target_encoder_with_fewer_encodings, "encodings other than one per feature"),
    (lambda: _drawing_past_the_key("MT19937"), "MT19937: a position outside its key"),
    (lambda: _drawing_past_the_key("Philox"), "Philox: a buffer position outside"),
])
def test_stored_counts_and_positions_are_what_the_writer_derives(git_project, capsys, make,
                                                                 says):
    joblib.dump(make(), git_project / "model.joblib")
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert says in found[0]["message"], found


def test_the_same_models_as_fit_writes_them_pass(git_project, capsys):
    drawn = np.random.RandomState(1)
    drawn.rand(700)  # a position mid-key, after a new key was made
    models = {
        "poly": [PolynomialFeatures(degree=(2, 3)).fit(X),
                 PolynomialFeatures(degree=3, interaction_only=True, include_bias=False).fit(X)],
        "te": [TargetEncoder(target_type=kind).fit(CODES, y) for kind, y in (
            ("multiclass", RNG.randint(0, 3, 200)), ("binary", RNG.randint(0, 2, 200)),
            ("continuous", RNG.rand(200)))],
        "random": [DummyClassifier(strategy="uniform", random_state=drawn).fit(X, [0, 1] * 20),
                   np.random.Generator(np.random.Philox(3)), np.random.default_rng(4)],
    }
    joblib.dump(models, git_project / "models.joblib")
    assert artifact_json(capsys, "--only-artifacts", "models.joblib") == (0, [])


def _hash_bomb(depth: int, gap: bool = False) -> bytes:
    """A dict whose key is t(depth), where t(0) = () and t(i+1) = (t(i), t(i)), built through
    the memo: a 1.7 KB stream whose key costs 2**depth steps to hash. `gap`: memo keys from
    1, as Python 2's cPickle numbers them (accepted below protocol 3 since round 40: the
    hashing bound still holds)."""
    first = 1 if gap else 0
    out = bytearray(b"})q" + bytes([first]) + b"0")
    for i in range(depth):
        out += b"h" + bytes([first + i]) + b"h" + bytes([first + i]) + b"\x86"
        out += b"q" + bytes([first + i + 1]) + b"0"
    return bytes(out + b"h" + bytes([first + depth]) + b"Ns.")


@pytest.mark.parametrize(("gap", "says"), [
    (True, "whose hashing visits more than"),
    (False, "whose hashing visits more than"),
])
def test_a_key_that_never_finishes_hashing_never_hangs_mlgate(git_project, capsys, gap,
                                                               says):
    """Round 29b: the sniff that tells whether a tracked file of any name is a pickle runs
    pickle's own reader, with stand-ins for every name; hashing that key ran in C forever
    (no signal stops it), so one committed `notes.txt` hung every `mlgate artifact`. The
    sniff bounds the work of hashing what it reads, and so does the scan (round 30: the
    key passed it, and only the load's 120 s deadline stopped it)."""
    import subprocess

    (git_project / "notes.txt").write_bytes(_hash_bomb(100, gap))
    (git_project / "pyproject.toml").write_text("[tool.mlgate.artifact]\nload-timeout = 2\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys)
    assert code == 1 and says in found[0]["message"], found
    assert found[0]["path"] == "notes.txt"
