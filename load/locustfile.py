"""The load profiles' Locust entry point, run by ``fwp-sandbox load run`` (see README, "Load tests").

The profile's mix (``FWP_LOAD_MIX``: user class → weight) decides which parties this file exposes
to Locust: a class is a user of the run only when it is a name in this module, so the others are
not imported here at all. The shape over time is :class:`load_shape.ProfileShape`. Run by hand
only through the command: it prepares the tenants this file reads (``FWP_LOAD_SETUP``).
"""

from __future__ import annotations

import json
import os

import load_parties
from load_shape import ProfileShape
from locust import User

__all__ = ["ProfileShape"]

MIX: dict[str, int] = json.loads(os.environ.get("FWP_LOAD_MIX") or '{"EmployerHR": 1}')

_party: type[User]
for _name, _weight in MIX.items():
    if _name == "VendorClient":
        import load_vendor

        _party = load_vendor.VendorClient
    elif _name == "EmployerHRCallbacks":
        import load_callbacks

        _party = load_callbacks.EmployerHRCallbacks
    else:
        _party = getattr(load_parties, _name)
    _party.weight = _weight
    globals()[_name] = _party
    del _party  # Locust takes every User class in this module's namespace: one name per class
