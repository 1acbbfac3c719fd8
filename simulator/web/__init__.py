"""Web layer: problem rendering, validators, security functions, middleware, documentation pages."""
