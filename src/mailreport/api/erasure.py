"""``POST /api/v1/customers/forget``: erase customers' personal data, for admins
(mailreport.erasure, docs/personal-data.md). ``mailreport forget`` goes through it
when ``mailreport serve`` holds the database file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from mailreport import erasure
from mailreport.api.audit import actor_of
from mailreport.api.problems import problem_responses
from mailreport.api.security import client_address, require
from mailreport.auth import Principal

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


class ForgetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_ids: list[Annotated[str, Field(min_length=1, max_length=erasure.ID_MAX)]] = Field(
        min_length=1, max_length=erasure.MOST_IDS,
        description="The customers to erase, by customer_id.")


class ForgetResult(BaseModel):
    erased: list[str] = Field(description="Erased now.")
    already_erased: list[str] = Field(description="Erased before: nothing left to do.")
    unknown: list[str] = Field(description="Not customers of the store: nothing done.")
    rows: dict[str, int] = Field(description="Rows changed, per table (all zero when "
                                             "every id was erased before).")


@router.post("/forget", response_model=ForgetResult, responses=problem_responses(
    422, 503, why={422: "No ids, too many, or an id that is empty or too long",
                   503: "A server reading a lake: the lake's files are not erased here"}))
def forget(body: ForgetRequest, request: Request, response: Response,
                 who: Annotated[Principal, Depends(require("admin"))]):
    """Erase the customers' contacts (email but its domain, phone, push token) and
    their events' identifying fields (ip, user agent but its parsed device, contacts
    in click urls and reasons, quarantined payloads), and cut their contacts out of
    the audit trail; every report figure stays as it was. The customers are marked,
    so that a later load withholds their contacts. Idempotent: a second call changes
    nothing and says the ids were erased already. Recorded in the audit trail with
    who and how many, in the same transaction. Admins only (docs/personal-data.md)."""
    store = request.app.state.store
    try:
        result = erasure.forget(store, body.customer_ids, actor=actor_of(who), role=who.role,
                                address=client_address(request))
    except erasure.ErasureError as exc:
        raise HTTPException(503 if store.engine == "lake" else 422, str(exc)) from None
    response.headers["Cache-Control"] = "no-store"
    return ForgetResult(**result.to_dict())
