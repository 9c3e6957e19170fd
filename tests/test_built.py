"""Expressions built once per set of tables (store/tables.py ``built_once``): the
same arguments give back the same expression, other arguments or other tables
another, and a kept expression still reads the data as it is now."""

from __future__ import annotations

import shutil

import pytest

from conftest import at, query
from mailreport.reports import mailing_report
from mailreport.reports.efficiency import reached
from mailreport.settings import Settings
from mailreport.store.lake_facts import MANIFEST_NAME, facts_dir
from mailreport.store.lake_store import LakeStore
from mailreport.store.tables import built_once


def test_equal_arguments_give_back_the_same_expression(demo_store):
    t = demo_store.tables()
    first = reached(t, ["M01"], query(**{"from": "2026-07-01"}))
    # equal but other objects: a new list, a new query, the store's next tables
    again = reached(demo_store.tables(), ["M01"], query(**{"from": "2026-07-01"}))
    assert again is first
    assert reached(t, ["M01"], query(**{"from": "2026-07-02"})) is not first
    assert reached(t, ["M02"], query(**{"from": "2026-07-01"})) is not first
    assert reached(t, ["M01"], query(**{"from": "2026-07-01"}, include_machine=True)) \
        is not first


def test_an_argument_that_cannot_key_an_expression_is_refused(demo_store):
    @built_once
    def anything(tables, value):
        return tables.mailings

    with pytest.raises(TypeError):
        anything(demo_store.tables(), bytearray(b"x"))


def test_a_kept_expression_reads_the_data_loaded_after_it(data):
    data.mailing("m1").journeys("m1", {"ann": [("sent", at(0)), ("opened", at(1))]}).load()
    before = mailing_report(data.tables(), "m1", query())
    data.journeys("m1", {"bob": [("sent", at(0)), ("opened", at(2))]}).load()
    after = mailing_report(data.tables(), "m1", query())
    assert (before.efficiency.stages.opened, after.efficiency.stages.opened) == (1, 2)
    assert reached(data.tables(), ["m1"], query()) is reached(data.tables(), ["m1"], query())


def _rows(rows):
    return sorted(tuple(sorted(r.items())) for r in rows)


def test_each_generation_of_a_lake_builds_its_own(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    store = LakeStore(lake, Settings())
    try:
        old = store.tables()
        kept = reached(old, ["M01"], query())
        assert reached(store.tables(), ["M01"], query()) is kept
        manifest = facts_dir(lake) / MANIFEST_NAME
        copy = manifest.with_name("copy.json")
        shutil.copy(manifest, copy)
        copy.replace(manifest)  # the same manifest, as a refresh swaps it in
        new = store.tables()
        assert new.by_name["reach_counts"] is not old.by_name["reach_counts"]
        fresh = reached(new, ["M01"], query())
        assert fresh is not kept
        # rows come in no set order: compare them as sets of rows
        assert _rows(new.run(fresh)) == _rows(old.run(kept))
    finally:
        store.close()
