"""Hooks for the schemathesis run of tests/api/test_schemathesis.py (loaded by the
``st`` command through SCHEMATHESIS_HOOKS).

A few rules span several parameters, or the data, and OpenAPI cannot state them: a
period's ends in order and at most max_period_days apart; a customer list names a
stage or a volume status, not both or neither; a bounce class narrows the bounced
stage only, a reason the bounced or unsubscribed stage; an SMS mailing has no opened stage;
an export's fields are the chosen entity's. A generated request that is valid for
the schema but breaks one of them (or a real calendar date, a name a person can type)
gets a right 422, which schemathesis would count
as a valid request rejected. So the positive cases are brought inside these rules
here; the negative ones are left alone, and tests/api/test_http.py and
tests/customers cover the rules themselves."""

from __future__ import annotations

import datetime as dt
import os
import random

import schemathesis
from schemathesis.core.parameters import ParameterLocation

from mailreport import accounts
from mailreport.exports import ENTITIES

LONGEST_DAYS = 366  # well inside max_period_days (1096 by default)
SMS_MAILINGS = set(filter(None, os.environ.get("MAILREPORT_TEST_SMS_MAILINGS", "").split(",")))


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _period_in_rules(query: dict) -> None:
    ends = [d for d in (_date(query.get("from")), _date(query.get("to"))) if d]
    if not ends:
        return
    first, last = min(ends), max(ends)
    # an end left open reaches the data's first or last day: give both
    last = first + dt.timedelta(days=(last - first).days % LONGEST_DAYS)
    query["from"], query["to"] = first.isoformat(), last.isoformat()


def _sent_period_in_rules(query: dict) -> None:
    """The mailing list's sent period: its ends in order."""
    ends = [_date(query.get("sent_from")), _date(query.get("sent_to"))]
    if all(ends) and ends[0] > ends[1]:
        query["sent_from"], query["sent_to"] = query["sent_to"], query["sent_from"]


def _segment_in_rules(query: dict, mailing_id) -> None:
    if query.get("stage") is not None:
        query.pop("status", None)
    elif query.get("status") is None:
        query["stage"] = "sent"
    if query.get("stage") == "opened" and mailing_id in SMS_MAILINGS:
        query["stage"] = "clicked"
    if query.get("stage") != "bounced":
        query.pop("bounce_class", None)
        if query.get("stage") != "unsubscribed":
            query.pop("reason", None)


def _fields_in_rules(query: dict) -> None:
    entity = ENTITIES.get(query.get("entity") or "customers")
    if entity is None or not isinstance(query.get("fields"), str) or not query["fields"]:
        return
    names = [f.name for f in entity.fields]
    chosen = random.Random(query["fields"]).sample(names, k=min(len(names), 3))
    query["fields"] = ",".join(chosen)


def _since_in_rules(query: dict) -> None:
    """The audit trail's since: a real calendar date or time, which a pattern cannot
    say (0000-00-00 matches it)."""
    since = query.get("since")
    if isinstance(since, str):
        try:
            dt.datetime.fromisoformat(since)
        except ValueError:
            query["since"] = "2026-01-31"


def _user_in_rules(case) -> None:
    """A new user's name: something a person can type, not only blanks or control
    characters (the API strips the name and refuses an empty one); a typed first
    password that keeps the password rules (accounts.password_problem: its length,
    not the name inside, not of one kind of character), else none: the API makes
    one up."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("name"), str):
        name = body["name"].strip()
        if not name or not name.isprintable():
            case.body = body = {**body, "name": "ann"}
        password = body.get("password")
        if isinstance(password, str) and accounts.password_problem(body["name"], password):
            case.body = {**body, "password": None}


@schemathesis.hook
def map_case(ctx, case):
    meta = case.meta
    if meta is None:
        return case
    if case.operation.path == "/api/v1/users" and case.operation.method.upper() == "POST" \
            and not meta.is_negative_at(ParameterLocation.BODY):
        _user_in_rules(case)
    if meta.is_negative_at(ParameterLocation.QUERY):
        return case
    query = dict(case.query or {})
    if case.operation.path == "/api/v1/audit":
        _since_in_rules(query)
    if case.operation.path == "/api/v1/compare":
        # a link from another answer gives one mailing; a comparison needs 2 different
        ids = query.get("mailing_id")
        ids = [ids] if isinstance(ids, str) else list(ids or [])
        if len(set(ids)) != len(ids) or len(ids) < 2:
            query["mailing_id"] = list(dict.fromkeys([*ids, "M01", "M02"]))[:4]
    _period_in_rules(query)
    path = case.operation.path
    if path in ("/api/v1/mailings", "/api/v1/mailing-trend"):
        _sent_period_in_rules(query)
    if path.endswith(("/customers", "/export")):
        _segment_in_rules(query, (case.path_parameters or {}).get("mailing_id"))
    if path.endswith("/export"):
        _fields_in_rules(query)
    case.query = query
    return case
