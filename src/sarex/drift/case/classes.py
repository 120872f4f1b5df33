"""Each particle's Leeway object class at a time: from a case's state chain, else its class at release.

A case drift file records the class at release (``object``, keys in its ``object_keys``
attribute) and, with state changes, the state at each output (``state``); each state's class
is in the state variable's ``state_objects`` attribute (indices into ``object_keys``). A
plain drift has one class (the ``object_class`` attribute). The sweep width of a search
depends on the class (a person in the water is seen at a fraction of a life raft's range),
so detection and planning ask for the class of each particle during the search.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from sarex.times import datetime64_to_epoch_s


def state_objects(ds: xr.Dataset) -> np.ndarray:
    """Object-class index (into ``object_keys``) of every state of the file's state chains."""
    st = ds["state"]
    if "state_objects" in st.attrs:
        return np.asarray(json.loads(st.attrs["state_objects"]), dtype=np.int64)
    keys = json.loads(ds["object"].attrs["object_keys"])
    case = json.loads(ds.attrs["case"])  # files written before the attribute: the chains' classes, in case order
    return np.array([keys.index(s["class"]) for sc in case["scenario"] for s in sc.get("state", [])], dtype=np.int64)


def particle_classes(ds: xr.Dataset, time_s: float | None = None) -> tuple[list[str], np.ndarray]:
    """Class keys and each particle's class index at ``time_s`` (epoch s; default the first output).

    Between outputs the class is that of the last output at or before ``time_s``.
    """
    if "object" not in ds:
        n = ds.sizes["trajectory"]
        return [str(ds.attrs.get("object_class", ""))], np.zeros(n, dtype=np.int64)
    keys = list(json.loads(ds["object"].attrs["object_keys"]))
    cls = np.asarray(ds["object"].values, dtype=np.int64)
    if "state" not in ds:
        return keys, cls
    t = datetime64_to_epoch_s(ds["time"].values)
    j = 0 if time_s is None else int(np.clip(np.searchsorted(t, float(time_s) + 1e-6, side="right") - 1, 0, t.size - 1))
    st = np.asarray(ds["state"].values[:, j], dtype=np.int64)
    so = state_objects(ds)
    return keys, np.where(st >= 0, so[np.maximum(st, 0)], cls)


def alive_at(ds: xr.Dataset, time_s: float) -> np.ndarray | None:
    """Each particle's probability of being alive at ``time_s`` (the ``alive`` variable; None without one).

    Exact at the outputs; linear in time between them.
    """
    if "alive" not in ds:
        return None
    t = datetime64_to_epoch_s(ds["time"].values)
    a = ds["alive"].values
    if t.size == 1:
        return np.asarray(a[:, 0], dtype=np.float64)
    j = int(np.clip(np.searchsorted(t, float(time_s), side="right") - 1, 0, t.size - 2))
    f = float(np.clip((float(time_s) - t[j]) / (t[j + 1] - t[j]), 0.0, 1.0))
    return np.asarray(a[:, j], dtype=np.float64) if f == 0.0 else (1.0 - f) * a[:, j] + f * a[:, j + 1]
