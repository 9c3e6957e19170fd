"""Comparing the JSON two engines print for the same report."""

from __future__ import annotations

import math


def cli_json(model) -> str:
    """What ``mailreport report ID --json`` prints."""
    return model.model_dump_json(by_alias=True, indent=2)


def differences(a, b, path: str = "") -> list[str]:
    """Where two JSON values differ; floats equal to 12 significant digits pass."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return [f"{path}: keys {list(a)} != {list(b)}"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-12):
        return []
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} != {b!r}"]
