"""Simulated services, one package each: models (state and rules), handlers (thin HTTP)."""
