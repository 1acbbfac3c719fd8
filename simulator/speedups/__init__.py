"""The speed-ups: every patch of connexion and Flask internals, in one place, one switch.

Each is measured and listed, with what it depends on, in ``simulator/speedups/README.md``.
:func:`install` applies the process-wide patches (or puts stock behaviour back), and
:func:`install_app` the per-app ones; ``simulator.app.create_app`` calls both with its
``Settings``: ``FWP_SPEEDUPS=0`` (``Settings.speedups``) serves with stock connexion, Flask and
uvicorn, with the SQLite readers asking ``PRAGMA data_version`` instead of watching the
WAL-index header, and with the store's hot statements run by ``Connection.execute`` instead of
planned on the cursor (``simulator.store.direct``). ``FWP_SPEEDUPS_OFF=name,name`` turns single
patches off (for measuring them).

The patches replace internals of exact releases. A release they were not written for is not
patched: a warning names it and that library is served stock. The server never refuses to start
over a version, so installing the next connexion or Flask is safe, only slower.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from simulator.speedups import connexion_patches, flask_memo, inline, routing
from simulator.store import direct, readers

log = logging.getLogger(__name__)

KNOWN_VERSIONS = {"connexion": "3.3.0", "flask": "3.1.3"}
"""The releases whose internals the patches were written against and tested with. (uvicorn has
none left: its one patch, ``coalesce``, was dropped, its gain twice measured inside the noise.)"""


@dataclass(frozen=True)
class Patch:
    """One process-wide replacement: ``owner.attribute`` becomes ``make()``'s value."""

    name: str
    library: str  # whose release it depends on (a key of KNOWN_VERSIONS)
    owner: Any
    attribute: str
    make: Callable[[], Any]


_ABSENT = object()


def _patches() -> list[Patch]:
    from connexion import utils as connexion_utils
    from connexion.apps.flask import FlaskOperation
    from connexion.decorators import parameter as parameter_decorators
    from connexion.decorators.main import FlaskDecorator
    from connexion.middleware import routing as connexion_routing
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.operations import OpenAPIOperation
    from connexion.security import AbstractSecurityHandler

    cp = connexion_patches
    return [
        Patch("decorate_once", "connexion", FlaskDecorator, "__call__", lambda: cp.decorate_once),
        Patch("operation_fn_once", "connexion", FlaskOperation, "fn",
              lambda: property(cp.cached_operation_fn)),
        Patch("docs_only_swagger_ui", "connexion", SwaggerUIMiddleware, "__call__",
              lambda: routing.docs_only_swagger_ui),
        Patch("body_definition_once", "connexion", OpenAPIOperation, "body_definition",
              lambda: cp.body_definition_once),
        Patch("extract_content_type", "connexion", connexion_utils, "extract_content_type",
              lambda: cp.extract_content_type),
        Patch("parameters_without_form_parsing", "connexion", parameter_decorators.SyncParameterDecorator,
              "__call__", lambda: cp.parameters_without_form_parsing),
        Patch("direct_routing", "connexion", connexion_routing.RoutingMiddleware, "__call__",
              lambda: routing.direct_routing),
        Patch("security_signature_memo", "connexion", AbstractSecurityHandler, "_accepts_kwarg",
              lambda: staticmethod(cp.memoised(AbstractSecurityHandler._accepts_kwarg, 256))),
        Patch("pythonic_memo", "connexion", parameter_decorators, "pythonic",
              lambda: cp.memoised(parameter_decorators.pythonic, 4096)),
    ]


PER_APP = ("match_memo", "sync_memo", "inline_wsgi", "freeze_heap")
"""The speed-ups applied per app or per worker (:func:`install_app`, :func:`worker_hooks`)."""
STORE = ("wal_header_watch", "planned_statements")
"""The store's, set by :func:`install` with the process-wide patches."""

_STOCK: dict[tuple[int, str], Any] = {}
"""What each patched attribute held before the first patch: put back for stock behaviour."""
_APPLIED: dict[str, Any] = {}
_IN_FORCE: list[set[str]] = []
"""The process-wide set the last :func:`install` left (empty before the first): they are the
process's, not an app's, so a later ``create_app`` with other settings changes them for every app
made before it (a warning says so)."""


def version_of(library: str) -> str:
    """The installed release of ``library`` (a seam the tests fake)."""
    return importlib.metadata.version(library)


def unknown_versions(libraries: Iterable[str] = KNOWN_VERSIONS) -> dict[str, str]:
    """Library → installed release, for those the patches were not written for."""
    found = {library: version_of(library) for library in libraries}
    return {library: version for library, version in found.items() if version != KNOWN_VERSIONS[library]}


def _warn_unknown(library: str, found: str) -> None:
    log.warning("speed-ups for %s %s not applied: written for %s %s; serving %s's stock behaviour",
                library, found, library, KNOWN_VERSIONS[library], library)


def install(enabled: bool = True, off: Iterable[str] = ()) -> list[str]:
    """Apply the process-wide patches, or (``enabled`` false) put stock behaviour back; the names
    of the patches in force afterwards. Patches of a library whose release is not the known one
    are left off, with a warning. Idempotent; patches in place but now off are undone."""
    unknown = unknown_versions() if enabled else {}
    for library, found in unknown.items():
        _warn_unknown(library, found)
    skip = set(off)
    for patch in _patches():
        wanted = enabled and patch.library not in unknown and patch.name not in skip
        _set(patch, wanted)
    readers.WATCH_WAL_HEADER = enabled and "wal_header_watch" not in skip
    direct.PLANNED = enabled and "planned_statements" not in skip
    now = [*_APPLIED, *(name for name, on in (("wal_header_watch", readers.WATCH_WAL_HEADER),
                                              ("planned_statements", direct.PLANNED)) if on)]
    if _IN_FORCE and _IN_FORCE[-1] != set(now):
        log.warning("process-wide speed-ups changed by a later create_app: every app of this process, "
                    "those made before too, now runs with %s (per-app ones are each app's own)",
                    ", ".join(sorted(now)) or "none (stock connexion and Flask)")
    _IN_FORCE[:] = [set(now)]
    return now


def _set(patch: Patch, wanted: bool) -> None:
    key = (id(patch.owner), patch.attribute)
    if key not in _STOCK:
        _STOCK[key] = vars(patch.owner).get(patch.attribute, _ABSENT)
    if wanted and patch.name not in _APPLIED:
        _APPLIED[patch.name] = patch.make()
        setattr(patch.owner, patch.attribute, _APPLIED[patch.name])
    elif not wanted and patch.name in _APPLIED:
        del _APPLIED[patch.name]
        stock = _STOCK[key]
        if stock is _ABSENT:
            delattr(patch.owner, patch.attribute)
        else:
            setattr(patch.owner, patch.attribute, stock)


def applied() -> list[str]:
    """The process-wide patches in force."""
    return list(_APPLIED)


def install_app(app: Any, enabled: bool = True, off: Iterable[str] = (), *, inline_wsgi: bool = True
                ) -> list[str]:
    """Apply the per-app speed-ups to a connexion ``FlaskApp``; the names applied. Flask's memos
    need the known Flask release, the inline bridge the known connexion (it replaces a private
    attribute of its app); either library unknown leaves its part stock, with a warning."""
    if not enabled:
        return []
    unknown = unknown_versions(("flask", "connexion"))
    for library, found in unknown.items():
        _warn_unknown(library, found)
    skip = set(off)
    done = []
    if "flask" not in unknown:
        for name, memo in (("match_memo", flask_memo.install_match_memo),
                           ("sync_memo", flask_memo.install_sync_memo)):
            if name not in skip:
                memo(app.app)
                done.append(name)
    if "connexion" not in unknown and inline_wsgi and "inline_wsgi" not in skip:
        inline.inline(app)
        done.append("inline_wsgi")
    return done


def worker_hooks(enabled: bool = True, off: Iterable[str] = ()) -> list[Callable[[], None]]:
    """What a served worker runs once started (a lifespan startup hook): ``freeze_heap``."""
    return [inline.freeze_heap] if enabled and "freeze_heap" not in set(off) else []
