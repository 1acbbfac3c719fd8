"""A black-box system's operator, as a separate process, for the wait-mode acceptance test.

It reads each task wait mode serves (``GET <url>/task``), does what it asks with the reference
client's code (httpx against the sandbox, with the credentials the task carries), and posts the
output to the task's answer URL (wait mode may already have seen the step done in the journal;
then the answer is refused with 409, which is fine). Runs until wait mode stops serving.

    python tests/conform/wait_driver.py http://127.0.0.1:PORT
"""

from __future__ import annotations

import sys
import time

import httpx

from scenarios.reference_adapter import ReferenceAdapter
from simulator.conform.model import SandboxContext


def main(url: str) -> None:
    client = ReferenceAdapter()
    done: set[int] = set()
    with httpx.Client(timeout=10) as http:
        while True:
            try:
                answer = http.get(f"{url}/task")
            except httpx.TransportError:
                return  # the run is over: wait mode stopped serving
            task = answer.json() if answer.status_code == 200 else None
            if task is None or task["id"] in done:
                time.sleep(0.05)
                continue
            done.add(task["id"])
            output = getattr(client, task["step"])(SandboxContext(**task["sandbox"]), **task["input"])
            http.post(task["answer_url"], json=output)


if __name__ == "__main__":
    main(sys.argv[1])
