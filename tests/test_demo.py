"""The demo dataset: deterministic, contract-exact, and realistic where the reports look."""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from mailreport.contract import AUDIENCE_STATUSES, TABLES, table
from mailreport.demo import SCALES, generate
from mailreport.demo.writer import SCHEMAS

SEED = 42


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, "small", seed=SEED)
    return out


@pytest.fixture(scope="module")
def db(demo: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for t in TABLES:
        path = demo / f"{t.name}.parquet"
        con.execute(f"create view {t.name} as select * from read_parquet('{path}')")
    return con


def value(db: duckdb.DuckDBPyConnection, sql: str):
    return db.execute(sql).fetchone()[0]


def rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return db.execute(sql).fetchall()


# --- determinism and shape -------------------------------------------------------------

def test_same_seed_gives_identical_tables_and_another_seed_differs(demo: Path, tmp_path: Path):
    counts = generate(tmp_path / "again", "small", seed=SEED)
    for t in TABLES:
        assert pq.read_table(tmp_path / "again" / f"{t.name}.parquet").equals(
            pq.read_table(demo / f"{t.name}.parquet")), t.name
    assert counts["customers"] == SCALES["small"].customers

    generate(tmp_path / "other", "small", seed=SEED + 1)
    for name in ("customers", "events", "orders"):
        assert not pq.read_table(tmp_path / "other" / f"{name}.parquet").equals(
            pq.read_table(demo / f"{name}.parquet")), name


def test_every_table_has_the_contract_columns_and_types(demo: Path):
    for t in TABLES:
        schema = pq.read_schema(demo / f"{t.name}.parquet")
        assert schema.names == t.column_names, t.name
        for field in SCHEMAS[t.name]:
            assert schema.field(field.name).type == field.type, (t.name, field.name)


def test_required_columns_have_no_nulls(db):
    for t in TABLES:
        for c in t.columns:
            if c.required:
                assert value(db, f'select count(*) from {t.name} where "{c.name}" is null') == 0, \
                    (t.name, c.name)


def test_keys_are_unique(db):
    for t in TABLES:
        key = ", ".join(f'"{k}"' for k in t.key)
        dupes = value(db, f"select count(*) from (select {key} from {t.name} "
                          f"group by all having count(*) > 1)")
        assert dupes == 0, t.name


def test_enums_hold_contract_values(db):
    for t in TABLES:
        for c in t.columns:
            if c.values:
                found = {r[0] for r in rows(db, f'select distinct "{c.name}" from {t.name}')}
                assert found - {None} <= set(c.values), (t.name, c.name, found)


def test_progress_is_reported(tmp_path: Path):
    seen: list[tuple[str, int, int]] = []
    generate(tmp_path, "small", seed=SEED, progress=lambda *a: seen.append(a))
    steps = {s for s, _, _ in seen}
    assert {"catalogue", "customers", "baseline orders"} <= steps
    assert all(0 < done <= total for _, done, total in seen)
    assert seen[-1][1] == seen[-1][2]


def test_unknown_scale_or_format_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, "huge")
    with pytest.raises(ValueError, match="format"):
        generate(tmp_path, "small", fmt="xml")


# --- references and rules --------------------------------------------------------------

@pytest.mark.parametrize("child, column, parent, key", [
    ("categories", "parent_id", "categories", "category_id"),
    ("products", "category_id", "categories", "category_id"),
    ("mailings", "campaign_id", "campaigns", "campaign_id"),
    ("variants", "mailing_id", "mailings", "mailing_id"),
    ("audience", "mailing_id", "mailings", "mailing_id"),
    ("audience", "customer_id", "customers", "customer_id"),
    ("events", "mailing_id", "mailings", "mailing_id"),
    ("events", "customer_id", "customers", "customer_id"),
    ("orders", "customer_id", "customers", "customer_id"),
    ("order_lines", "order_id", "orders", "order_id"),
    ("order_lines", "product_id", "products", "product_id"),
])
def test_references_resolve(db, child, column, parent, key):
    missing = value(db, f"select count(*) from {child} c where c.{column} is not null and "
                        f"not exists (select 1 from {parent} p where p.{key} = c.{column})")
    assert missing == 0


def test_audience_rules(db):
    assert value(db, """select count(*) from audience
                        where "group" is not null and status <> 'good'""") == 0
    assert value(db, """select count(*) from audience
                        where variant_id is not null and "group" is distinct from 'test'""") == 0
    # a variant is one of the mailing's rows, or the implicit A of a mailing without rows
    assert value(db, """
        select count(*) from audience a where a.variant_id is not null and not exists (
            select 1 from variants v where v.mailing_id = a.mailing_id
                                       and v.variant_id = a.variant_id)
          and (a.variant_id <> 'A' or exists (
            select 1 from variants v where v.mailing_id = a.mailing_id))""") == 0


def test_variant_shares_sum_to_one(db):
    for mailing, total in rows(db, "select mailing_id, sum(share) from variants group by 1"):
        assert total == pytest.approx(1.0), mailing


def test_events_come_from_the_test_group_with_its_variant(db):
    assert value(db, """
        select count(*) from events e left join audience a using (mailing_id, customer_id)
        where a.customer_id is null or a.status <> 'good' or a."group" <> 'test'
           or e.variant_id is distinct from a.variant_id""") == 0


def test_event_ids_unique_and_file_clustered_by_mailing_then_time(demo: Path):
    events = pq.read_table(demo / "events.parquet", columns=["event_id", "mailing_id", "ts"])
    assert len(set(events["event_id"].to_pylist())) == events.num_rows
    keys = list(zip(events["mailing_id"].to_pylist(), events["ts"].to_pylist(), strict=True))
    assert keys == sorted(keys)


def test_clicks_point_at_links_of_the_email(db):
    bodies = {(m, v): re.findall(r'<a href="([^"]*)"', html.replace("&amp;", "&"))
              for m, v, html in rows(db, "select mailing_id, variant_id, body_html from variants "
                                         "where body_html is not null")}
    clicks = rows(db, """select distinct e.mailing_id, coalesce(e.variant_id, 'A'), link_index, url
                         from events e join mailings m using (mailing_id)
                         where type = 'clicked' and m.channel = 'email'""")
    assert clicks
    for mailing, variant, link, url in clicks:
        links = bodies[(mailing, variant)]
        assert url in links
        if link is not None:
            assert 0 <= link < len(links) and links[link] == url
    assert any(link is None for *_, link, _ in clicks), "a click reported by url only"
    assert value(db, """select count(*) from events join mailings using (mailing_id)
                        where channel <> 'email' and link_index is not null""") == 0


def test_money_and_quantities(db):
    assert value(db, "select count(*) from order_lines where quantity < 0 or amount < 0") == 0
    assert value(db, "select count(*) from orders where total < 0") == 0
    assert value(db, """select count(*) from orders o join (
                            select order_id, sum(amount) s from order_lines group by 1) l
                        using (order_id) where o.total <> l.s""") == 0
    assert value(db, """select count(*) from orders o where not exists (
                            select 1 from order_lines l where l.order_id = o.order_id)""") == 0
    # some goods are sold by weight
    assert value(db, "select count(*) from order_lines where quantity <> floor(quantity)") > 0


# --- realism the reports rely on ---------------------------------------------------------

def test_customers_span_russias_time_zones(db):
    zones = [z for (z,) in rows(db, "select distinct timezone from customers")]
    known = zoneinfo.available_timezones()
    assert all(z in known for z in zones if z is not None)
    assert None in zones
    assert len([z for z in zones if z]) >= 8
    assert {"Europe/Kaliningrad", "Europe/Moscow", "Asia/Vladivostok"} <= set(zones)
    unknown = value(db, "select avg((timezone is null)::int) from customers")
    assert 0.04 < unknown < 0.12
    for column in ("email", "phone", "push_token", "region"):
        share = value(db, f"select avg(({column} is null)::int) from customers")
        assert 0 < share < 0.7, column


def test_catalogue_is_a_two_level_tree(db):
    assert value(db, "select count(*) from categories") >= 60
    assert value(db, """select count(*) from categories c join categories p
                        on c.parent_id = p.category_id where p.parent_id is not null""") == 0
    assert value(db, "select count(*) from products") >= 2000


def test_mailing_calendar(db):
    assert value(db, "select count(*) from mailings") >= 12
    assert {c for (c,) in rows(db, "select distinct channel from mailings")} == \
        {"email", "sms", "push"}
    assert {s for (s,) in rows(db, "select distinct status from mailings")} >= \
        {"draft", "scheduled", "sent"}
    first, last = rows(db, "select min(sent_at), max(sent_at) from mailings "
                           "where status = 'sent'")[0]
    assert str(first) >= "2026-06-01" and str(last) < "2026-09-01"
    assert value(db, """select count(*) from events join mailings using (mailing_id)
                        where status <> 'sent'""") == 0
    assert value(db, "select count(distinct mailing_id) from mailings "
                     "where campaign_id is not null") >= 6
    assert value(db, "select count(*) from events e join mailings m using (mailing_id) "
                     "where e.ts < m.sent_at") == 0


def test_groups_and_variants_exist(db):
    statuses = {s for (s,) in rows(db, "select distinct status from audience")}
    assert statuses == set(AUDIENCE_STATUSES)
    assert value(db, "select count(*) from audience where \"group\" = 'control'") > 0
    assert value(db, "select count(*) from (select mailing_id from variants group by 1 "
                     "having count(*) >= 2)") >= 2
    assert value(db, "select count(*) from (select mailing_id from variants group by 1 "
                     "having count(*) = 3)") >= 1


def test_an_email_body_repeats_a_url(db):
    repeated = 0
    for (html,) in rows(db, "select body_html from variants where body_html is not null"):
        links = re.findall(r'<a href="([^"]*)"', html)
        assert 5 <= len(links) <= 8
        repeated += len(set(links)) < len(links)
    assert repeated > 0


def test_feed_noise_is_there(db):
    machine_opens = value(db, "select count(*) from events where type = 'opened' and is_machine")
    scanner_clicks = value(db, "select count(*) from events where type = 'clicked' and is_machine")
    assert machine_opens > 0 and scanner_clicks > 0
    # proxies open within a minute of delivery; scanners click every link within seconds
    assert value(db, """
        select max(date_diff('second', d.ts, e.ts)) from events e join (
            select mailing_id, customer_id, min(ts) ts from events where type = 'delivered'
            group by all) d using (mailing_id, customer_id)
        where e.type = 'opened' and e.is_machine""") <= 60
    assert value(db, """select count(*) from events where is_machine and user_agent not similar to
                        '.*(Privacy|GoogleImageProxy|Safe Links|Barracuda).*'""") == 0
    dup_deliveries = value(db, """select count(*) from (select mailing_id, customer_id from events
                                  where type = 'delivered' group by all having count(*) > 1)""")
    assert dup_deliveries > 0
    no_sent = value(db, """select count(*) from (select mailing_id, customer_id from events
                           group by all having count(*) filter (type = 'sent') = 0)""")
    assert no_sent > 0
    clicks_without_open = value(db, """
        select count(*) from (select mailing_id, customer_id from events join mailings
                              using (mailing_id) where channel = 'email' group by all
        having count(*) filter (type = 'clicked' and not is_machine) > 0
           and count(*) filter (type = 'opened') = 0)""")
    assert clicks_without_open > 0
    for kind in ("bounced", "failed", "spam", "unsubscribed"):
        assert value(db, f"select count(*) from events where type = '{kind}'") > 0, kind


def test_channels_report_their_own_events(db):
    by_channel = {}
    for channel, kind in rows(db, "select distinct channel, type from events "
                                  "join mailings using (mailing_id)"):
        by_channel.setdefault(channel, set()).add(kind)
    assert "opened" not in by_channel["sms"]
    assert {"sent", "delivered", "clicked"} <= by_channel["sms"]
    assert {"sent", "delivered", "opened", "clicked"} <= by_channel["push"]
    assert {"sent", "delivered", "opened", "clicked", "spam"} <= by_channel["email"]
    providers = {p for (p,) in rows(db, "select distinct provider from events")}
    assert {"sendgrid", "mailgun", "twilio"} <= providers


def test_people_open_in_the_day_in_their_local_time(db):
    hours = dict(rows(db, """
        select hour(timezone(c.timezone, e.ts::timestamptz)) h, count(*)
        from events e join customers c using (customer_id) join mailings m using (mailing_id)
        where e.type = 'opened' and not e.is_machine and c.timezone is not null
          and m.channel = 'email' group by 1"""))
    night = sum(hours.get(h, 0) for h in (1, 2, 3, 4))
    evening = sum(hours.get(h, 0) for h in (19, 20, 21, 22))
    assert evening > 3 * night


def test_orders_cancelled_and_both_kinds(db):
    cancelled = value(db, "select avg((status = 'cancelled')::int) from orders")
    assert 0.02 < cancelled < 0.09
    assert {k for (k,) in rows(db, "select distinct kind from orders")} == {"receipt", "order"}


_GROUPS_SQL = """
        with assigned as (
            select a.mailing_id, a.customer_id, a."group", m.sent_at
            from audience a join mailings m using (mailing_id)
            where a.status = 'good' and m.control_share > 0),
        buyers as (
            select distinct s.mailing_id, s.customer_id from assigned s join orders o
              on o.customer_id = s.customer_id and o.status = 'completed'
             and o.ts >= s.sent_at and o.ts < s.sent_at + interval 7 day)
        select s.mailing_id,
               avg((b.customer_id is not null)::int) filter (s."group" = 'test') test,
               avg((b.customer_id is not null)::int) filter (s."group" = 'control') control
        from assigned s left join buyers b using (mailing_id, customer_id)
        group by 1 order by 1"""


def _group_conversion(db) -> list[tuple]:
    """Conversion per mailing and group as the groups report defines it."""
    return rows(db, _GROUPS_SQL)


def test_test_group_beats_control(db):
    results = _group_conversion(db)
    assert len(results) >= 4
    assert any(test > control for _, test, control in results)
    # per mailing a small control group is noisy; over all of them the lift shows
    test = value(db, f"select avg(test) from ({_GROUPS_SQL})")
    control = value(db, f"select avg(control) from ({_GROUPS_SQL})")
    assert test > control


def test_a_variant_b_does_better(db):
    rates = dict(rows(db, """
        select mailing_id || variant_id,
               count(distinct customer_id) filter (type = 'clicked' and not is_machine)
               / count(distinct customer_id) filter (type = 'delivered')
        from events where variant_id in ('A', 'B') group by all"""))
    assert any(rates[f"{m}B"] > rates[f"{m}A"] for m in ("M01", "M13"))


# --- CSV -------------------------------------------------------------------------------

def test_csv_has_the_same_rows_as_parquet(demo: Path, tmp_path: Path):
    counts = generate(tmp_path, "small", seed=SEED, fmt="csv")
    for t in TABLES:
        path = tmp_path / f"{t.name}.csv"
        loaded = duckdb.connect().execute(f"select count(*) from read_csv('{path}', "
                                          f"header=true, all_varchar=true)").fetchone()[0]
        assert loaded == counts[t.name] == pq.read_metadata(demo / f"{t.name}.parquet").num_rows
    head = (tmp_path / "events.csv").read_text().splitlines()[:2]
    assert head[0].split(",") == [f'"{c}"' for c in table("events").column_names]
    assert re.search(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"', head[1])
    lines = (tmp_path / "order_lines.csv").read_text().splitlines()[1]
    assert re.search(r",\d+\.\d{3},\d+\.\d\d$", lines)
    typed = duckdb.connect().execute(
        f"select typeof(ts), typeof(is_machine), typeof(link_index) "
        f"from read_csv('{tmp_path / 'events.csv'}', header=true) limit 1").fetchone()
    assert typed == ("TIMESTAMP", "BOOLEAN", "BIGINT")
