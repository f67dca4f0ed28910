"""Shared set-up of the Python module's tests: an isolated profile store and
calibration cache, and the command line to compare with."""

import os
import shutil
import tempfile

import pytest


@pytest.fixture(scope="session", autouse=True)
def cache_dir():
    path = tempfile.mkdtemp(prefix="splitinfer_pytest_")
    os.environ["SPLITINFER_CACHE_DIR"] = path
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("SPLITINFER_CLI")
    if not path:
        pytest.fail("SPLITINFER_CLI must name the splitinfer command line (ctest sets it)")
    return path
