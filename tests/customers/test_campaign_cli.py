"""``mailreport export --campaign``: a campaign list's file, as the API's."""

from __future__ import annotations

import csv

import campaign_shop
import pytest
from typer.testing import CliRunner

from conftest import Dataset
from mailreport.cli import app
from mailreport.settings import Settings
from mailreport.store import open_store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign-cli")
    store = open_store(folder / "shop.duckdb", Settings())
    campaign_shop.build(Dataset(store, folder / "data")).load()
    store.close()  # the command opens the file itself
    return str(store.path)


def run(*args):
    return CliRunner().invoke(app, ["--lang", "en", "export", *args])


def test_a_campaign_export_writes_its_customers_once(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("--campaign", "c1", "--stage", "sent", "--headers", "machine", "--db", db)
    assert result.exit_code == 0, result.output
    path = tmp_path / "campaign-c1-sent-customers-all-time.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["ann", "bob", "cat"]
    result = run("--campaign", "c1", "--stage", "ordered", "--entity", "orders",
                 "--headers", "machine", "-o", str(tmp_path / "o.csv"), "--db", db)
    assert result.exit_code == 0, result.output
    with (tmp_path / "o.csv").open(newline="", encoding="utf-8") as fh:
        assert [r[0] for r in list(csv.reader(fh))[1:]] == ["o-ann"]


@pytest.mark.parametrize("args, words", [
    (["m1", "--campaign", "c1", "--stage", "sent"], "not both"),
    (["--stage", "sent"], "not both and not neither"),
    (["--campaign", "c1", "--stage", "spam"], "funnel stage"),
    (["--campaign", "c2", "--stage", "opened"], "SMS"),
])
def test_campaign_export_errors_say_what_is_wrong(db, tmp_path, args, words):
    result = run(*args, "-o", str(tmp_path / "x.csv"), "--db", db)
    assert result.exit_code in (1, 2) and words in result.output, result.output
    assert not (tmp_path / "x.csv").exists()
