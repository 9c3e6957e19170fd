"""One small shop with every kind of customer a list can hold: machine opens and
clicks, reach times inside and outside a period, spam and unsubscribes, buyers
with lines, a control group, every audience status, a customer with events but
no audience row, hostile contact details, and an SMS mailing."""

from __future__ import annotations

import datetime as dt

from conftest import Dataset, at
from mailreport.settings import Settings
from mailreport.store import open_store

PERIOD = {"from": dt.date(2026, 3, 3), "to": dt.date(2026, 3, 5)}
HOSTILE_EMAIL = '=HYPERLINK("http://x","y")'

M1 = {
    # customer: (variant, events)
    "ann": ("A", [("sent", at(0)), ("delivered", at(0.1)), ("opened", at(1)),
                  ("clicked", at(2))]),
    "bob": ("B", [("sent", at(0)), ("delivered", at(0.1)),
                  ("opened", at(0.2), {"is_machine": True}),
                  ("clicked", at(0.3), {"is_machine": True})]),
    "cy": ("A", [("sent", at(0)), ("delivered", at(0.1)), ("opened", at(days=2))]),
    "dan": ("B", [("sent", at(0)), ("bounced", at(0.1))]),
    "eve": ("A", [("delivered", at(days=3))]),
    "fay": ("B", [("sent", at(0)), ("delivered", at(0.1)), ("spam", at(days=1)),
                  ("unsubscribed", at(days=4))]),
    "hos": ("A", [("sent", at(0)), ("delivered", at(0.1)), ("opened", at(days=1)),
                  ("clicked", at(days=1, hours=1))]),
    "lee": ("B", [("sent", at(0)), ("opened", at(days=10))]),
    "max": ("A", [("sent", at(days=1)), ("delivered", at(days=1, hours=1)),
                  ("opened", at(days=1, hours=2), {"is_machine": True}),
                  ("opened", at(days=2, hours=5)), ("spam", at(days=2))]),
}


def build(data: Dataset) -> Dataset:
    data.add("categories", {"category_id": "k1", "name": "Shoes"},
             {"category_id": "k2", "name": "Coats, warm"})
    data.add("products", {"product_id": "p1", "name": "Boot", "category_id": "k1"},
             {"product_id": "p2", "name": '=cmd|" /C calc"!A0', "category_id": "k2"})
    data.mailing("m1", control_share="0.2")
    data.add("variants", {"mailing_id": "m1", "variant_id": "A", "share": "0.5"},
             {"mailing_id": "m1", "variant_id": "B", "share": "0.5"})
    data.customer("ann", email="ann@shop.example", phone="+79160000001", region="Moscow")
    data.customer("bob", email="bob@shop.example", phone="+79160000002")
    data.customer("cy", email="cy@shop.example", region="Kazan, Tatarstan")
    data.customer("hos", email=HOSTILE_EMAIL, phone="+79160000009", region="-1+2",
                  timezone="Europe/Moscow")
    data.customer("max", email="@max", region='Say "hi"\nthere')
    for name, (variant, events) in M1.items():
        data.journeys("m1", {name: events}, variant_id=variant)
    data.journeys("m1", {"gus": [], "gil": []}, group="control")
    for i, status in enumerate(("address_issue", "unsubscribed_channel",
                                "unsubscribed_category", "blocked_by_policy")):
        data.customer(f"x{i}", email=f"x{i}@shop.example")
        data.add("audience", {"mailing_id": "m1", "customer_id": f"x{i}", "status": status})
    # events, but no audience row: variant from the events
    data.journeys("m1", {"kim": [("sent", at(0), {"variant_id": "B"}),
                                 ("delivered", at(0.1), {"variant_id": "B"}),
                                 ("opened", at(days=2), {"variant_id": "B"})]}, audience=False)
    data.journeys("m1", {"zed": [("spam", at(days=2))]}, audience=False)
    # orders: ann twice (one with two lines), cy, hos; gus is control (no touch);
    # lee after the window; bob and kim online orders
    data.order("ann", at(3), total="100.00", lines=[("p1", "1", "60.00"), ("p2", "2", "40.00")])
    data.order("ann", at(days=2), total="50.50", kind="order", lines=[("p2", "1.5", "50.50")])
    data.order("cy", at(days=2, hours=1), total="250.00", lines=[("p1", "1", "250.00")])
    data.order("hos", at(days=1, hours=3), total="10.00", lines=[("p2", "1", "10.00")])
    data.order("gus", at(days=1), total="70.00")
    data.order("lee", at(days=30), total="5.00")
    data.order("bob", at(days=1), total="20.00", kind="order")
    data.order("kim", at(days=2, hours=2), total="30.00", kind="order",
               lines=[("p1", "3", "30.00")])
    data.order("cy", at(days=3), total="99.00", status="cancelled")
    # an SMS mailing: no opened stage, touches on delivery, contact is the phone
    data.mailing("s1", channel="sms", sent_at=at(days=1))
    data.customer("sam", phone="+79161112233", email="sam@shop.example")
    data.customer("sue", phone="+79161112244")
    data.journeys("s1", {
        "sam": [("sent", at(days=1)), ("delivered", at(days=1, hours=1)),
                ("clicked", at(days=1, hours=2))],
        "sue": [("sent", at(days=1)), ("delivered", at(days=3))],
    })
    data.order("sam", at(days=1, hours=4), total="15.00")
    return data


def loaded(tmp_path_factory):
    """The shop in a store of its own, for a module-scoped fixture: tests only read
    it (and add tokens)."""
    folder = tmp_path_factory.mktemp("shop")
    store = open_store(folder / "shop.duckdb", Settings())
    build(Dataset(store, folder / "data")).load()
    yield store
    store.close()
