"""``fwp-sandbox load``: Locust workload profiles with service-level objectives, run in one command.

The Locust users live in ``load/`` (a checkout's folder, run by Locust in a subprocess: Locust
patches the standard library through gevent, so nothing here imports it). This package reads the
profiles and objectives, prepares the tenants, runs Locust, and judges the result.
"""
