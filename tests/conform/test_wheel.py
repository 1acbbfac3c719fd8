"""Works from a wheel: build the distribution, install it into a fresh virtualenv (no repository
on the path), and run the whole catalogue with the reference adapter on the embedded sandbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "simulator", "scenarios", "specs")
REFERENCE = "python:scenarios.reference_adapter:ReferenceAdapter"


def build_wheel(folder: Path) -> Path:
    """From a copy of the sources the distribution declares (not the working tree, which a build
    would litter with build/ and egg-info)."""
    source = folder / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder / "dist"),
                    str(source)], check=True, timeout=300)
    [wheel] = (folder / "dist").glob("fwp_sandbox-*.whl")
    return wheel


@pytest.mark.server
def test_the_wheel_runs_the_catalogue_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n) for n in names if n.endswith("entry_points.txt")).decode()
    assert {"scenarios/catalogue.py", "scenarios/reference_adapter.py",
            "simulator/conform/schemas/report.schema.json",
            "simulator/conform/reports/templates/report.html.j2"} <= names
    assert any(n.endswith(".data/data/share/fwp-sandbox/specs/work-permit.yaml") for n in names)
    assert "fwp_sandbox = simulator.conform.pytest_plugin" in entry_points

    venv.create(tmp_path / "venv", with_pip=False)
    bin_dir = tmp_path / "venv" / "bin"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "--quiet",
                    "-c", str(ROOT / "constraints.txt"), str(wheel)], check=True, timeout=600)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    work = tmp_path / "elsewhere"
    work.mkdir()
    done = subprocess.run([str(bin_dir / "fwp-sandbox"), "conform", "run", "--adapter", REFERENCE,
                           "--report-dir", "out"], cwd=work, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((work / "out" / "report.json").read_text())
    assert report["summary"]["PASSED"] == sum(len(s["checks"]) for s in report["scenarios"]) > 0
    verified = subprocess.run([str(bin_dir / "fwp-sandbox"), "conform", "verify", "out/evidence.zip"],
                              cwd=work, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stdout
