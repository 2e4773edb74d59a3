"""Shared fixtures. The toy lab (``tests/toy_lab``) is importable as ``toy_lab``."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

KERAS3 = os.environ.get("TF_USE_LEGACY_KERAS", "").lower() not in ("1", "true", "yes")


def notebook_bytes(*sources: str, metadata: list | None = None) -> bytes:
    """A notebook of code cells with these sources (and optional nbgrader metadata per cell)."""
    cells = []
    for index, source in enumerate(sources):
        cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source,
                "id": f"cell-{index}"}
        if metadata and metadata[index]:
            cell["metadata"] = {"nbgrader": metadata[index]}
        cells.append(cell)
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}).encode()


@pytest.fixture(scope="session")
def toy():
    from toy_lab import LAB

    return LAB
