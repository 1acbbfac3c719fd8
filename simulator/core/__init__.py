"""Framework-free core: clock, seeded randomness, identifiers, state machines, typed errors."""
