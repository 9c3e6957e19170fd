"""Golden JSON: the whole report of every mailing of the small demo.

Every engine must give them (tests/engines.py). Regenerate after an intended change
with ``MAILREPORT_UPDATE_GOLDEN=1 pytest tests/test_golden.py -k duckdb`` and
review the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mailreport.reports import ReportQuery, campaign_report, mailing_report
from mailreport.reports.mailings import list_campaigns, list_mailings

pytestmark = pytest.mark.engines

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MAILREPORT_UPDATE_GOLDEN") == "1"


def rounded(value, places: int = 6):
    if isinstance(value, float):
        return round(value, places)
    if isinstance(value, list):
        return [rounded(v, places) for v in value]
    if isinstance(value, dict):
        return {k: rounded(v, places) for k, v in value.items()}
    return value


def report_json(model) -> dict:
    return rounded(json.loads(model.model_dump_json(by_alias=True)))


def check(name: str, got: dict) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE or not path.exists():
        if not UPDATE and os.environ.get("CI"):
            pytest.fail(f"{path} is missing: generate it with MAILREPORT_UPDATE_GOLDEN=1")
        path.write_text(json.dumps(got, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    assert got == want, f"{name} differs from {path}"


def test_every_small_demo_mailing_matches_its_golden_report(demo_tables):
    tables = demo_tables
    mailings = list_mailings(tables)
    assert len(mailings) >= 12
    for m in mailings:
        check(f"mailing-{m.mailing_id}", report_json(mailing_report(tables, m.mailing_id,
                                                                    ReportQuery())))


def test_a_period_report_matches_its_golden(demo_tables):
    tables = demo_tables
    biggest = max(list_mailings(tables), key=lambda m: m.recipients)
    first = biggest.sent_at.date()
    q = ReportQuery(**{"from": first, "to": first}, include_machine=True, sort="revenue",
                    open_hours_zone="company")
    check("period-report", report_json(mailing_report(tables, biggest.mailing_id, q)))


def test_every_small_demo_campaign_matches_its_golden_report(demo_tables):
    tables = demo_tables
    campaigns = list_campaigns(tables)
    assert campaigns
    for c in campaigns:
        check(f"campaign-{c.campaign_id}",
              report_json(campaign_report(tables, c.campaign_id, ReportQuery())))


# Other questions of the same reports: periods that cut the demo's windows, machine
# events, the company's zone, product sales sorted, searched, limited and per group.
# Their answers were taken when each section still had two independent paths (the
# rollups and the definitions over the derived tables) and both gave them.
QUERIES = {
    "period": {"from": "2026-07-03", "to": "2026-07-20"},
    "machine-company": {"include_machine": True, "open_hours_zone": "company"},
    "from-machine-revenue-search": {"from": "2026-06-05", "include_machine": True,
                                    "sort": "revenue", "search": "e", "limit": 3},
    "to-receipts": {"to": "2026-06-28", "sort": "receipts"},
    "group-test": {"group": "test"},
    "variant-B": {"group": "test", "variant_id": "B", "sort": "revenue"},
    "control": {"group": "control", "from": "2026-07-01"},
}


# On Spark a report takes seconds (its SQL run in a local JVM) and a query's set a
# minute: there each query computes a third of the reports, a different third per
# query, so the seven together still compute every report on Spark two or three times.
SPARK_SHARE = 3  # a report in three


def test_the_spark_share_still_reaches_every_report():
    """Report n is computed on Spark under query turn t when (n + t) % SPARK_SHARE
    is 0: every residue needs a turn, or fewer queries would leave reports unchecked."""
    turns = range(len(QUERIES))
    assert all(any((n + t) % SPARK_SHARE == 0 for t in turns) for n in range(SPARK_SHARE))


@pytest.mark.parametrize("name", QUERIES)
def test_every_report_under_other_queries_matches_its_golden(demo_tables, engine, name):
    tables = demo_tables
    query = ReportQuery(**QUERIES[name])
    ids = [("mailing", m.mailing_id) for m in list_mailings(tables)]
    ids += [("campaign", c.campaign_id) for c in list_campaigns(tables)]
    every = SPARK_SHARE if engine == "spark" else 1
    turn = list(QUERIES).index(name)
    taken = [(kind, i) for n, (kind, i) in enumerate(ids) if (n + turn) % every == 0]
    got = {i: report_json(mailing_report(tables, i, query) if kind == "mailing"
                          else campaign_report(tables, i, query))
           for kind, i in taken}
    path = GOLDEN / "queries" / f"{name}.jsonl"
    if (UPDATE or not path.exists()) and len(got) == len(ids):
        if not UPDATE and os.environ.get("CI"):
            pytest.fail(f"{path} is missing: generate it with MAILREPORT_UPDATE_GOLDEN=1")
        path.parent.mkdir(exist_ok=True)
        # a report a line, so a diff names the reports that changed
        path.write_text("".join(json.dumps({"id": k, "report": v}) + "\n"
                                for k, v in got.items()), encoding="utf-8")
    want = {r["id"]: r["report"] for r in map(json.loads, path.read_text().splitlines())}
    assert [i for _, i in ids] == list(want)
    assert [k for k in got if got[k] != want[k]] == [], f"{name} differs from {path}"
