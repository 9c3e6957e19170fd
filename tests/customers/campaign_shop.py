"""A campaign whose mailings share customers (DESIGN.md, "Campaign funnel"): ann
opens two of its emails and buys after each, bob gets an email and an SMS, cat is
in one email and buys after a mailing of no campaign; an SMS-only campaign, an
empty one, and a formula in a contact."""

from __future__ import annotations

from conftest import Dataset, at
from mailreport.settings import Settings
from mailreport.store import open_store

HOSTILE_EMAIL = '=HYPERLINK("http://x","y")'


def build(data: Dataset) -> Dataset:
    data.add("campaigns", {"campaign_id": "c1", "name": "Spring"},
             {"campaign_id": "c2", "name": "Texts"}, {"campaign_id": "c0", "name": "Empty"})
    data.add("categories", {"category_id": "k1", "name": "Shoes"})
    data.add("products", {"product_id": "p1", "name": "Boot", "category_id": "k1"})
    data.customer("ann", email="ann@shop.example", phone="+79160000001")
    data.customer("bob", email=HOSTILE_EMAIL, phone="+79160000002")
    data.customer("cat", phone="+79160000003")
    data.mailing("m1", campaign_id="c1", control_share="0.2")
    data.mailing("m2", campaign_id="c1", sent_at=at(days=2))
    data.mailing("s1", channel="sms", campaign_id="c1", sent_at=at(days=1))
    data.mailing("x1", sent_at=at(days=5))  # of no campaign
    data.mailing("t1", channel="sms", campaign_id="c2")
    data.journeys("m1", {"ann": [("sent", at(0)), ("opened", at(1))],
                         "bob": [("sent", at(0)), ("delivered", at(1))]})
    data.journeys("m1", {"dan": []}, group="control")
    data.journeys("m2", {"ann": [("opened", at(days=2)), ("clicked", at(days=2, hours=1))],
                         "cat": [("delivered", at(days=2))]})
    # an SMS click implies delivery, not an open: SMS has no opened stage
    data.journeys("s1", {"bob": [("clicked", at(days=1, hours=2))]})
    data.journeys("x1", {"cat": [("opened", at(days=5))]})
    data.journeys("t1", {"sue": [("delivered", at(1))]})
    data.order("ann", at(2), total="10.00", lines=[("p1", "1", "10.00")],
               order_id="r-ann")                                     # m1's
    data.order("ann", at(days=2, hours=3), total="20.00", kind="order",
               lines=[("p1", "2", "20.00")], order_id="o-ann")      # m2's, her latest touch
    data.order("bob", at(days=1, hours=3), total="5.00", order_id="r-bob")  # s1's
    data.order("dan", at(3), total="99.00", order_id="r-dan")        # control: no touch
    data.order("cat", at(days=5, hours=1), total="7.00", order_id="r-cat")  # x1's
    return data


def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign-shop")
    store = open_store(folder / "shop.duckdb", Settings())
    build(Dataset(store, folder / "data")).load()
    yield store
    store.close()
