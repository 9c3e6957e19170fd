"""API tokens over HTTP, for admins: list, create, revoke.

``mailreport token`` goes through these when ``mailreport serve`` holds the
database file. A new token is in the answer to its creation and nowhere else; a
revoked token (and every session signed in with it) fails from the next request
on, since each request checks the token against the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from mailreport.api.audit import recorded
from mailreport.api.security import require
from mailreport.auth import (
    NAME_MAX,
    NoSuchToken,
    Principal,
    create_token,
    list_tokens,
    revoke_token,
    token_id_of,
    token_info,
)
from mailreport.reports.models import UtcTimestamp

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])

Admin = Annotated[Principal, Depends(require("admin"))]


class Token(BaseModel):
    """A token as lists show it: never its secret."""
    token_id: str
    name: str
    role: Literal["viewer", "analyst", "admin"]
    product_sales: bool
    created_at: UtcTimestamp
    revoked_at: UtcTimestamp | None

    @field_validator("created_at", "revoked_at")
    @classmethod
    def _utc_without_offset(cls, value: dt.datetime | None) -> dt.datetime | None:
        """Written as every timestamp of the API is: UTC, without an offset."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["viewer", "analyst", "admin"]
    name: str = Field("", max_length=NAME_MAX, description="Who or what it is for.")
    # strict: 0 or "no" is not a yes-or-no answer for a grant
    product_sales: StrictBool = Field(False, description="Also grant the product sales section.")


class CreatedToken(Token):
    token: str = Field(description="The token itself: shown in this answer only.")


@router.get("", response_model=list[Token])
def tokens(request: Request, who: Admin):
    """Every token, revoked ones included, oldest first."""
    return [Token(**asdict(t)) for t in list_tokens(request.app.state.store)]


@router.post("", status_code=201, response_model=CreatedToken)
def create(body: NewToken, request: Request, response: Response, who: Admin):
    """A new token; store it now, it cannot be shown again."""
    store = request.app.state.store
    token = create_token(store, body.role, body.name, body.product_sales)
    recorded(request, who, "token_create", f"token:{token_id_of(token)}", role=body.role,
             name=body.name, product_sales=body.product_sales)
    response.headers["Cache-Control"] = "no-store"
    return CreatedToken(**asdict(token_info(store, token_id_of(token))), token=token)


@router.post("/{token_id}/revoke", response_model=Token)
def revoke(token_id: Annotated[str, Path(max_length=64)], request: Request, who: Admin):
    """Revoke a token: it and its sessions are refused from the next request on.
    Revoking a revoked token changes nothing."""
    try:
        revoked = Token(**asdict(revoke_token(request.app.state.store, token_id)))
    except NoSuchToken as exc:
        raise HTTPException(404, str(exc)) from None
    recorded(request, who, "token_revoke", f"token:{token_id}")
    return revoked
