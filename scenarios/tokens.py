"""Tokens: one access token used for its lifetime; a refused one (401) replaced by one new token.

The client files an application and reads it twice. The employer API refuses the access token
once during the filing (the application's create answers 401, as a server that rotated its
signing keys would) and once during a read. A client that caches its token with its expiry uses
one token until then, and on a 401 fetches exactly one new token and sends the request again
with it (the create with the same Idempotency-Key: a 401 was not applied). A token per call,
a refused token sent again, or a burst of new tokens are each caught.
"""

from __future__ import annotations

from scenarios.common import CROSS, new_application_input
from scenarios.common_checks import TOKEN_02
from scenarios.stagecraft import Fault, act, claim
from simulator.conform.model import Scenario, Stage

REFUSED = 401


def play(stage: Stage) -> None:
    with Fault(stage, "createApplication", status=REFUSED):
        application = act(stage, "file_new_application", **new_application_input())["application_id"]
    stage.facts["application_id"] = application
    act(stage, "track_application", application=application)  # judged by the final claim below
    stage.tenant.officer.accept(application)
    stage.tenant.officer.approve(application)
    with Fault(stage, "getApplication", status=REFUSED):
        claim(stage, "application", act(stage, "track_application", application=application),
              application=application)


SCENARIO = Scenario(
    id="tokens",
    title="One token for its lifetime; a 401 answered by one new token",
    description=__doc__ or "",
    steps=("file_new_application", "track_application"),
    checks=(TOKEN_02, *CROSS),
    play=play,
    timeout_s=60,
)
