# Test cases for deserialization.yml (semgrep test annotations). Deliberately insecure.
import json
import marshal
import pickle
import shelve

import jsonpickle
import yaml


def load_all(blob, path, text):
    # ruleid: secscan.python.pickle-load
    obj = pickle.loads(blob)
    with open(path, "rb") as handle:
        # ruleid: secscan.python.pickle-load
        obj = pickle.load(handle)
    # ok: secscan.python.pickle-load
    data = pickle.dumps(obj)
    # ruleid: secscan.python.marshal-load
    code = marshal.loads(blob)
    # ok: secscan.python.marshal-load
    raw = marshal.dumps(code)
    # ruleid: secscan.python.shelve-open
    db = shelve.open(path)
    # ok: secscan.python.shelve-open
    with open(path, encoding="utf-8") as handle:
        db = json.load(handle)
    # ruleid: secscan.python.yaml-unsafe-load
    conf = yaml.load(text)
    # ruleid: secscan.python.yaml-unsafe-load
    conf = yaml.load(text, Loader=yaml.Loader)
    # ruleid: secscan.python.yaml-unsafe-load
    conf = yaml.unsafe_load(text)
    # ruleid: secscan.python.yaml-unsafe-load
    conf = yaml.full_load(text)
    # ok: secscan.python.yaml-unsafe-load
    conf = yaml.load(text, Loader=yaml.SafeLoader)
    # ok: secscan.python.yaml-unsafe-load
    conf = yaml.safe_load(text)
    # ruleid: secscan.python.jsonpickle-decode
    thing = jsonpickle.decode(text)
    # ok: secscan.python.jsonpickle-decode
    encoded = jsonpickle.encode(thing)
    # ok: secscan.python.jsonpickle-decode
    plain = json.loads(text)
    return data, raw, db, conf, encoded, plain


def load_models(path):
    import joblib
    import numpy as np
    import torch

    # ruleid: secscan.python.pickle-based-loader
    model = torch.load(path)
    # ok: secscan.python.pickle-based-loader
    weights = torch.load(path, weights_only=True)
    # ruleid: secscan.python.pickle-based-loader
    arr = np.load(path, allow_pickle=True)
    # ok: secscan.python.pickle-based-loader
    plain = np.load(path)
    # ruleid: secscan.python.pickle-based-loader
    clf = joblib.load(path)
    return model, weights, arr, plain, clf
