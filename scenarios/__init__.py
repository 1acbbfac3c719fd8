"""The conformance catalogue: the scenarios, their checks and the reference client.

``scenarios.catalogue:CATALOGUE`` is what ``fwp-sandbox conform`` runs; ``scenarios.reference_adapter``
is a client that passes every check. Installed with the distribution, so a plain ``pip install``
can run it.
"""
