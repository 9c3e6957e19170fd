"""The lake's facts manifest: replaced whole, read back, and what it no longer
references removed."""

import json

import pytest

from mailreport.store.lake_facts import (
    FactsManifest,
    LakeFactsError,
    read_manifest,
    remove_unreferenced,
    write_manifest,
)


def test_a_manifest_is_read_back_as_written(tmp_path):
    assert read_manifest(tmp_path) is None
    files = {"reach_times": {"M02": ["reach_times/b1/mailing_id=M02/0.parquet"],
                             "M01": ["reach_times/b1/mailing_id=M01/0.parquet",
                                     "reach_times/b1/mailing_id=M01/1.parquet"]}}
    write_manifest(tmp_path, FactsManifest("abc", files, {"events": {"M01": "x"}}), "refresh")
    got = read_manifest(tmp_path)
    assert (got.fingerprint, got.files, got.inputs) == ("abc", files, {"events": {"M01": "x"}})
    assert got.built_by.endswith(" refresh") and got.built_at
    assert got.fact_files("reach_times") == ["reach_times/b1/mailing_id=M01/0.parquet",
                                             "reach_times/b1/mailing_id=M01/1.parquet",
                                             "reach_times/b1/mailing_id=M02/0.parquet"]
    assert got.fact_files("buyers") == []
    assert [p.name for p in (tmp_path / "_facts").iterdir()] == ["_current.json"]


def test_a_manifest_of_another_format_is_refused_by_name(tmp_path):
    (tmp_path / "_facts").mkdir()
    (tmp_path / "_facts" / "_current.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(LakeFactsError, match="format 99.*mailreport refresh"):
        read_manifest(tmp_path)


def test_builds_the_manifest_does_not_reference_are_removed(tmp_path):
    for build in ("old", "new", "died"):
        (tmp_path / "_facts" / "buyers" / build / "m=M01").mkdir(parents=True)
        (tmp_path / "_facts" / "buyers" / build / "m=M01" / "0.parquet").write_bytes(b"x")
    manifest = FactsManifest("f", {"buyers": {"M01": ["buyers/new/mailing_id=M01/0.parquet"]}})
    write_manifest(tmp_path, manifest, "refresh")
    remove_unreferenced(tmp_path, manifest)
    assert sorted(p.name for p in (tmp_path / "_facts" / "buyers").iterdir()) == ["new"]
    assert (tmp_path / "_facts" / "_current.json").exists()
