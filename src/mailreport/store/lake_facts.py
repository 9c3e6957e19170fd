"""The facts kept in a lake: where their files are, and the manifest that says which
files make each fact now.

Layout::

    LAKE/_facts/_current.json                 the manifest (below)
    LAKE/_facts/<fact>/<build>/<folder>/*.parquet

A build (a refresh, an export) writes its files under a folder of its own, named
by the build, then replaces the manifest in one rename: a reader sees the facts
before the build or after it, never a mix, and a build that dies leaves only
unreferenced files, which the next build removes. Readers take the files the
manifest lists and nothing else, so folder names are the writer's business; but a
reader skips other mailings' files by their path alone when each mailing's files
sit in a folder named as its partition, ``mailing_id=<id>`` escaped as Spark
escapes it (``lake.partition_folder``), which is what ``lake export`` writes.

Each file holds every column of its fact (``facts.FACTS``), ``mailing_id``
included, and the rows of one mailing only; a fact with no files is empty.

The manifest::

    {"format": 1,
     "fingerprint": "...",       facts.fingerprint(settings) of the definitions built
     "built_at": "2026-12-01T14:00:00+00:00",
     "built_by": "mailreport 0.1.0 refresh",
     "inputs": {...},            what the build read, for the next one to compare
                                 (the writer's business, as folder names are)
     "files": {"reach_times": {"M01": ["reach_times/<build>/mailing_id=M01/part-0.parquet"]},
               ...}}             per fact, per mailing: paths under LAKE/_facts/
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from mailreport import __version__
from mailreport.store.durable import replace_json

FACTS_DIR = "_facts"
MANIFEST_NAME = "_current.json"
MANIFEST_FORMAT = 1


class LakeFactsError(Exception):
    """The lake's facts manifest is missing, unreadable or of another format."""


@dataclass
class FactsManifest:
    fingerprint: str
    files: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    built_at: str = ""
    built_by: str = ""

    def fact_files(self, fact: str) -> list[str]:
        """Every file of the fact, as paths under LAKE/_facts/, by mailing."""
        by_mailing = self.files.get(fact, {})
        return [path for mailing in sorted(by_mailing) for path in by_mailing[mailing]]


def facts_dir(lake: str | os.PathLike) -> Path:
    return Path(lake) / FACTS_DIR


def read_manifest(lake: str | os.PathLike) -> FactsManifest | None:
    """The lake's facts manifest; None when no build has written one."""
    path = facts_dir(lake) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise LakeFactsError(f"cannot read the facts manifest {path}: {exc}") from None
    if data.get("format") != MANIFEST_FORMAT:
        raise LakeFactsError(f"{path} is of format {data.get('format')!r}; this mailreport "
                             f"reads format {MANIFEST_FORMAT}: run `mailreport refresh` again")
    return FactsManifest(fingerprint=data["fingerprint"], files=data.get("files", {}),
                         inputs=data.get("inputs", {}), built_at=data.get("built_at", ""),
                         built_by=data.get("built_by", ""))


def write_manifest(lake: str | os.PathLike, manifest: FactsManifest, by: str) -> None:
    """Replace the manifest in one rename, its content on disk first, so that a crash
    leaves the old manifest or the new one."""
    folder = facts_dir(lake)
    folder.mkdir(parents=True, exist_ok=True)
    manifest.built_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest.built_by = f"mailreport {__version__} {by}"
    data = {"format": MANIFEST_FORMAT, "fingerprint": manifest.fingerprint,
            "built_at": manifest.built_at, "built_by": manifest.built_by,
            "inputs": manifest.inputs, "files": manifest.files}
    replace_json(folder / MANIFEST_NAME, data, sort_keys=True)


def remove_unreferenced(lake: str | os.PathLike, manifest: FactsManifest | None) -> None:
    """Delete the build folders (``_facts/<fact>/<build>``) no file of the manifest is
    in: what replaced builds and builds that died left behind."""
    folder = facts_dir(lake)
    if not folder.is_dir():
        return
    kept = {tuple(Path(p).parts[:2]) for files in (manifest.files if manifest else {}).values()
            for paths in files.values() for p in paths}
    for fact_dir in folder.iterdir():
        if not fact_dir.is_dir():
            continue
        for build in fact_dir.iterdir():
            if (fact_dir.name, build.name) in kept:
                continue
            if build.is_dir():
                shutil.rmtree(build, ignore_errors=True)
            else:
                build.unlink()
