"""fwp-sandbox: a stateful simulator of China's foreigner work-permit and social-security-card
workflows (Notice 人社部发〔2024〕75号), with the harness to test integrations against it."""

import warnings

__version__ = "0.1.0"

# connexion 3.3 imports starlette.testclient, which Starlette 1.x deprecates when used with httpx:
# every worker printed "install httpx2" on start, for a module the sandbox never uses. Not ours to
# fix (connexion is pinned; simulator/speedups/ patches it); pyproject.toml ignores it in tests.
warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient. is deprecated")
