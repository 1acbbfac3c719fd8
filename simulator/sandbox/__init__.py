"""The sandbox control plane: tenants, credentials, clock and the manual officer."""
