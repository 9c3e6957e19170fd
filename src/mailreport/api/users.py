"""People's accounts over HTTP, for admins: list, create, disable, enable, reset a
password, grant a role or product sales.

``mailreport user`` goes through these when ``mailreport serve`` holds the
database file. A made-up password is in the answer to the creation or reset and
nowhere else; its user must change it at the next sign-in. Every change is in the
audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from mailreport import accounts
from mailreport.api.audit import recorded
from mailreport.api.security import require
from mailreport.auth import NAME_MAX, AuthError, Principal
from mailreport.reports.models import UtcTimestamp

router = APIRouter(prefix="/api/v1/users", tags=["users"])

Admin = Annotated[Principal, Depends(require("admin"))]
Role = Literal["viewer", "analyst", "admin"]
UserName = Annotated[str, Path(max_length=NAME_MAX, description="the user's name, any case")]


class User(BaseModel):
    """An account as lists show it: never its password or hash."""
    user_id: str
    name: str
    role: Role
    product_sales: bool
    disabled: bool
    must_change_password: bool
    created_at: UtcTimestamp
    password_changed_at: UtcTimestamp | None
    locked_until: UtcTimestamp | None = Field(
        description="after too many failed sign-ins, refused until then")

    @field_validator("created_at", "password_changed_at", "locked_until")
    @classmethod
    def _utc_without_offset(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX,
                      description="What the person signs in with; unique in any case.")
    role: Role
    product_sales: StrictBool = Field(False, description="Also grant the product sales section.")
    password: str | None = Field(
        None, max_length=accounts.PASSWORD_MAX,
        description="A first password chosen by the admin, which must pass the password "
                    "rules; absent: one is made up and returned. Either way the user must "
                    "change it at the first sign-in.")


class Grant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = Field(None, description="The new role; absent: unchanged.")
    product_sales: StrictBool | None = Field(None, description="Grant or withdraw product "
                                                               "sales; absent: unchanged.")


class UserWithPassword(User):
    password: str = Field(description="A one-time password, shown in this answer only: the "
                                      "user must change it at the next sign-in.")


class NewUserAnswer(User):
    password: str | None = Field(description="The made-up one-time password, shown in this "
                                             "answer only; null when the request chose one.")


def _user(info: accounts.UserInfo) -> User:
    return User(**asdict(info))


def _known(call, *args):
    try:
        return call(*args)
    except accounts.NoSuchUser as exc:
        raise HTTPException(404, str(exc)) from None
    except accounts.SingleSignOnOnly as exc:  # a state, not a wrong request
        raise HTTPException(409, str(exc)) from None
    except AuthError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("", response_model=list[User])
def users(request: Request, who: Admin):
    """Every account, disabled ones included, by name."""
    return [_user(u) for u in accounts.list_users(request.app.state.store)]


@router.post("", status_code=201, response_model=NewUserAnswer,
             responses={409: {"description": "A user of that name (in any case) exists"}})
def create(body: NewUser, request: Request, response: Response, who: Admin):
    """A new account with a one-time password, to be changed at the first sign-in."""
    store = request.app.state.store
    if any(u.name.casefold() == body.name.strip().casefold()
           for u in accounts.list_users(store)):
        raise HTTPException(409, f"a user named {body.name.strip()!r} exists already")
    info, password = _known(accounts.create_user, store, body.name, body.role,
                            body.product_sales, body.password, True)
    recorded(request, who, "user_create", f"user:{info.name}", role=info.role,
             product_sales=info.product_sales)
    response.headers["Cache-Control"] = "no-store"
    return NewUserAnswer(**asdict(info), password=password)


# a request the schema allows, refused by the accounts' state as it is now: 409
KEEPS_AN_ADMIN = {409: {"description": "It would disable one's own account, or disable "
                                       "or demote the last enabled admin"}}


def _keeps_an_admin(store, name: str, who: Principal, **change) -> None:
    """An admin may not disable their own account (its session would end under them),
    nor disable or demote the last enabled admin (accounts.check_an_admin_stays)."""
    target = _known(accounts.user_info, store, name)
    if change.get("disabled") and who.user_id == target.user_id:
        raise HTTPException(409, "you cannot disable your own account; another admin can")
    try:
        accounts.check_an_admin_stays(store, name, **change)
    except AuthError as exc:
        raise HTTPException(409, str(exc)) from None


@router.post("/{name}/disable", response_model=User, responses=KEEPS_AN_ADMIN)
def disable(name: UserName, request: Request, who: Admin):
    """Disable an account: its sessions end at the next request, and it cannot sign in.
    Not one's own account, nor the last enabled admin."""
    _keeps_an_admin(request.app.state.store, name, who, disabled=True)
    info = _known(accounts.set_disabled, request.app.state.store, name, True)
    recorded(request, who, "user_disable", f"user:{info.name}")
    return _user(info)


@router.post("/{name}/enable", response_model=User)
def enable(name: UserName, request: Request, who: Admin):
    """Let a disabled account sign in again."""
    info = _known(accounts.set_disabled, request.app.state.store, name, False)
    recorded(request, who, "user_enable", f"user:{info.name}")
    return _user(info)


@router.post("/{name}/reset-password", response_model=UserWithPassword,
             responses={409: {"description": "The account signs in through single "
                                             "sign-on and has no password here"}})
def reset(name: UserName, request: Request, response: Response, who: Admin):
    """A new one-time password: the account's sessions end, a lockout is lifted, and
    the user must change it at the next sign-in. An account made by single sign-on
    has no password to reset."""
    info, password = _known(accounts.reset_password, request.app.state.store, name)
    recorded(request, who, "user_reset_password", f"user:{info.name}")
    response.headers["Cache-Control"] = "no-store"
    return UserWithPassword(**asdict(info), password=password)


@router.post("/{name}/grant", response_model=User, responses=KEEPS_AN_ADMIN)
def grant(name: UserName, body: Grant, request: Request, who: Admin):
    """Change the role or the product-sales grant; it applies from the next request.
    The last enabled admin keeps the admin role."""
    _keeps_an_admin(request.app.state.store, name, who, role=body.role)
    info = _known(accounts.grant, request.app.state.store, name, body.role,
                  body.product_sales)
    recorded(request, who, "user_grant", f"user:{info.name}", role=info.role,
             product_sales=info.product_sales)
    return _user(info)
