"""The store itself over HTTP, for admins: its row counts, which
``mailreport info`` shows when ``mailreport serve`` holds the database file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from mailreport.api.security import require
from mailreport.auth import Principal

router = APIRouter(prefix="/api/v1/store", tags=["store"])


class StoreInfo(BaseModel):
    engine: str
    counts: dict[str, int]


@router.get("", response_model=StoreInfo)
def store_info(request: Request, who: Annotated[Principal, Depends(require("admin"))]):
    """Row counts of every table of the store, the derived ones included."""
    store = request.app.state.store
    return StoreInfo(engine=store.engine, counts=store.counts())
