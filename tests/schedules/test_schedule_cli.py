"""`mailreport schedule` on the database file (no server holds it): add, list,
remove, and a wrong schedule refused in words, naming the options."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from mailreport.cli import app


def test_add_list_and_remove_on_the_file(demo_db, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    cli = CliRunner()
    added = cli.invoke(app, ["schedule", "add", "--mailing", "M08", "--cadence", "monthly",
                             "--day", "31", "--at", "18:00", "--period", "previous_month",
                             "--to", "crm@example.com", "--to", "cmo@Example.com",
                             "--attach", "xlsx", "--json", "--db", str(db)])
    assert added.exit_code == 0, added.output
    schedule = json.loads(added.stdout)
    assert schedule["cadence"] == "monthly" and schedule["day_of_month"] == 31
    assert schedule["recipients"] == ["crm@example.com", "cmo@example.com"]
    assert schedule["attachments"] == ["xlsx"]
    assert schedule["next_due_at"].endswith("T18:00:00")  # the company zone is UTC
    listed = cli.invoke(app, ["schedule", "list", "--json", "--db", str(db)])
    assert [s["schedule_id"] for s in json.loads(listed.stdout)] == [schedule["schedule_id"]]
    removed = cli.invoke(app, ["schedule", "remove", schedule["schedule_id"], "--db", str(db)])
    assert removed.exit_code == 0 and "removed" in removed.output
    assert json.loads(cli.invoke(app, ["schedule", "list", "--json", "--db",
                                       str(db)]).stdout) == []
    again = cli.invoke(app, ["schedule", "remove", schedule["schedule_id"], "--db", str(db)])
    assert again.exit_code == 1 and "no schedule with id" in again.output


def test_a_wrong_schedule_is_refused_naming_the_options(demo_db, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    wrong = CliRunner().invoke(app, ["schedule", "add", "--mailing", "M08", "--cadence",
                                     "weekly", "--at", "9:00", "--period", "previous_week",
                                     "--to", "x@y", "--db", str(db)])
    assert wrong.exit_code == 2
    assert "--at: '9:00' is not a time HH:MM" in wrong.output
    assert "--to: 'x@y' is not an email address" in wrong.output
    assert "--weekday: Field required" in wrong.output
    unknown = CliRunner().invoke(app, ["schedule", "add", "--mailing", "NOPE", "--cadence",
                                       "daily", "--period", "last_7_days", "--to",
                                       "a@example.com", "--db", str(db)])
    assert unknown.exit_code == 1 and "mailing 'NOPE' does not exist" in unknown.output
