"""Customer lists and exports on Spark equal DuckDB's, byte for byte: the shop is
exported to a lake and read by a SparkStore."""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest
import shop

from engines import spark_twin
from mailreport.exports import ENTITIES, Export, ExportRequest
from mailreport.reports.customers import customer_list
from mailreport.reports.query import ReportQuery
from mailreport.reports.segments import LIST_STAGES, VOLUME_STATUSES, Segment

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from shop.loaded(tmp_path_factory)


@pytest.fixture(scope="module")
def engines(shop_store, tmp_path_factory):
    yield from spark_twin(shop_store, tmp_path_factory)


@pytest.mark.parametrize("mailing_id, segment, query", [
    *(("m1", {"stage": s}, {}) for s in LIST_STAGES),
    *(("m1", {"stage": s}, {**shop.PERIOD, "include_machine": True})
      for s in ("opened", "clicked", "ordered", "spam")),
    *(("m1", {"status": s}, {}) for s in VOLUME_STATUSES),
    ("m1", {"stage": "sent"}, {"group": "test", "variant_id": "B", "sort": "contact"}),
    ("s1", {"stage": "clicked"}, {"sort": "reached_at"}),
])
def test_lists_are_the_same_on_spark(engines, mailing_id, segment, query):
    duck, spark = engines
    kw = {"page_size": 500, "sort": query.pop("sort", "revenue"), "order": "desc"}
    args = (mailing_id, Segment(**segment), ReportQuery(**query))
    assert customer_list(spark, *args, **kw) == customer_list(duck, *args, **kw)


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_exports_are_the_same_on_spark(engines, tmp_path, entity):
    duck, spark = engines
    for fmt in ("csv", "xlsx"):
        req = ExportRequest(mailing_id="m1", segment=Segment(status="good"), entity=entity,
                            format=fmt, fields=[f.name for f in ENTITIES[entity].fields])
        Export(duck, req).write(tmp_path / f"duck.{fmt}")
        Export(spark, req, slice_size=4).write(tmp_path / f"spark.{fmt}")
        if fmt == "csv":
            assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "duck.csv").read_bytes()
        else:
            def cells(name):
                book = openpyxl.load_workbook(tmp_path / name, read_only=True)
                return [list(r) for r in book.active.iter_rows(values_only=True)]
            assert cells("spark.xlsx") == cells("duck.xlsx")


@pytest.mark.parametrize("entity", ["customers", "receipts", "receipt_lines"])
def test_exports_for_people_are_the_same_on_spark(engines, tmp_path, entity):
    """csv-excel-ru and a human XLSX: local times (a zone that is not UTC), decimal
    commas, bare phone numbers, on both engines alike."""
    duck, spark = (dataclasses.replace(t, settings=dataclasses.replace(
        t.settings, company_timezone="Asia/Yekaterinburg")) for t in engines)
    for fmt in ("csv-excel-ru", "xlsx"):
        req = ExportRequest(mailing_id="m1", segment=Segment(status="good"), entity=entity,
                            format=fmt, fields=[f.name for f in ENTITIES[entity].fields],
                            headers="human", lang="ru")
        ext = "xlsx" if fmt == "xlsx" else "csv"
        Export(duck, req).write(tmp_path / f"duck.{ext}")
        Export(spark, req, slice_size=4).write(tmp_path / f"spark.{ext}")
        if ext == "csv":
            assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "duck.csv").read_bytes()
        else:
            def cells(name):
                book = openpyxl.load_workbook(tmp_path / name, read_only=True)
                return [list(r) for r in book.active.iter_rows(values_only=True)]
            assert cells("spark.xlsx") == cells("duck.xlsx")
