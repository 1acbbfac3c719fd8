"""The conformance engine: runs the catalogue of scenarios against a vendor's client and grades it.

It is a *client* of the sandbox (it speaks HTTP through :mod:`simulator.testing`); see
``model.py`` for the vocabulary and ``runner.py`` for a run.
"""
