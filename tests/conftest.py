"""Shared helpers for ganbook's pytest suite."""
import os, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def run(cmd, cwd=ROOT, timeout=1800, env=None):
    "Run a command, returning CompletedProcess with text output; never raises on failure."
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})

@pytest.fixture
def root(): return ROOT
