"""A campaign's lists and exports on Spark equal DuckDB's: the campaign shop is
exported to a lake and read by a SparkStore."""

from __future__ import annotations

import campaign_shop
import pytest

from engines import spark_twin
from mailreport.exports import ENTITIES, Export, ExportRequest
from mailreport.reports.campaign_customers import campaign_customer_list
from mailreport.reports.campaign_segments import CAMPAIGN_STAGES
from mailreport.reports.query import ReportQuery
from mailreport.reports.segments import Segment

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    yield from campaign_shop.loaded(tmp_path_factory)


@pytest.fixture(scope="module")
def engines(shop_store, tmp_path_factory):
    yield from spark_twin(shop_store, tmp_path_factory)


def test_campaign_lists_are_the_same_on_spark(engines):
    duck, spark = engines
    for stage in CAMPAIGN_STAGES:
        args = ("c1", stage, ReportQuery())
        kw = {"page_size": 500, "sort": "revenue", "order": "desc"}
        mine = campaign_customer_list(spark, *args, **kw)
        assert mine == campaign_customer_list(duck, *args, **kw) and mine.total > 0, stage


def test_campaign_exports_are_the_same_on_spark(engines, tmp_path):
    duck, spark = engines
    for entity in ENTITIES:
        req = ExportRequest(campaign_id="c1", segment=Segment(stage="sent"), entity=entity,
                            fields=[f.name for f in ENTITIES[entity].fields])
        Export(duck, req).write(tmp_path / "duck.csv")
        Export(spark, req, slice_size=2).write(tmp_path / "spark.csv")
        assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "duck.csv").read_bytes()
