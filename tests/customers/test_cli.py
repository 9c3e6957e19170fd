"""``mailreport export``: the same file as the API's, a progress bar, clear errors."""

from __future__ import annotations

import csv

import openpyxl
import pytest
import shop
from typer.testing import CliRunner

from conftest import Dataset
from mailreport.cli import app
from mailreport.settings import Settings
from mailreport.store import open_store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop-cli")
    store = open_store(folder / "shop.duckdb", Settings())
    shop.build(Dataset(store, folder / "data")).load()
    store.close()  # the command opens the file itself
    return str(store.path)


def run(*args):
    return CliRunner().invoke(app, ["export", *args])


def test_export_writes_the_file_it_names(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("m1", "--stage", "opened", "--from", "2026-03-03", "--to", "2026-03-05",
                 "--db", db)
    assert result.exit_code == 0, result.output
    path = tmp_path / "m1-opened-customers-2026-03-03_2026-03-05.csv"
    # in the locale setting's Russian, with the plural of 4
    assert "записаны 4 строки (customers)" in result.output and path.exists()
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["cy", "hos", "kim", "max"]


def test_export_of_chosen_fields_to_xlsx(db, tmp_path):
    out = tmp_path / "good.xlsx"
    result = run("m1", "--status", "good", "--entity", "receipts", "--format", "xlsx",
                 "--fields", "order_id,total", "-o", str(out), "--db", db)
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    # a person runs the command: the titles, in the locale setting's Russian
    assert rows == [("Номер заказа", "Сумма заказа"), ("o1", 100.0), ("o3", 250.0),
                    ("o4", 10.0)]
    result = run("m1", "--status", "good", "--entity", "receipts", "--format", "xlsx",
                 "--fields", "order_id,total", "--headers", "machine", "-o", str(out),
                 "--db", db)
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("order_id", "total")
    result = CliRunner().invoke(app, ["--lang", "en", "export", "m1", "--status", "good",
                                      "--entity", "receipts", "--format", "csv-excel-ru",
                                      "--fields", "order_id,total", "-o", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == ("\ufeffOrder ID;Order total\r\n"
                                "o1;100,00\r\no3;250,00\r\no4;10,00\r\n").encode()


@pytest.mark.parametrize("args, words", [
    (["--stage", "sent", "--fields", "customer_id,emial"], "'emial'"),
    (["--stage", "bought"], "stage"),
    ([], "either stage"),
    (["--stage", "sent", "--format", "pdf"], "format"),
])
def test_export_errors_say_what_is_wrong(db, tmp_path, args, words):
    result = run("m1", *args, "-o", str(tmp_path / "x.csv"), "--db", db)
    assert result.exit_code in (1, 2) and words in result.output, result.output
    assert not (tmp_path / "x.csv").exists()
