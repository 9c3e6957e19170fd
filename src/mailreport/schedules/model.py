"""What a schedule is, as the API takes and gives it, and its deliveries. The same
models check a schedule made by the command line, so both refuse alike."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    TypeAdapter,
    field_validator,
    model_validator,
)

from mailreport.reports.models import UtcTimestamp
from mailreport.schedules.times import (
    CADENCES,
    PERIOD_RULES,
    WEEKDAYS,
    Cadence,
    parse_time,
    utc,
)

# An instant: aware UTC in Python (compared with the scheduler's clock), written as
# every timestamp of the API is, UTC without an offset (reports/models.py)
Instant = Annotated[UtcTimestamp, AfterValidator(utc),
                    PlainSerializer(lambda v: utc(v).replace(tzinfo=None).isoformat(),
                                    return_type=str, when_used="json")]

KINDS = ("mailing", "campaign")
ATTACHMENTS = ("pdf", "xlsx")
OUTCOMES = ("sent", "failed", "retrying", "gave_up")
MOST_RECIPIENTS = 50

# An address as mail servers take it: an ASCII local part of the characters RFC 5322
# allows unquoted, and a domain of at least two labels. Nothing that could end a
# header (CR, LF, comma, angle brackets) gets through, so no header can be injected.
# Declared as the recipients' pattern, so the OpenAPI document states it.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS_PATTERN = rf"^{_LOCAL}+(\.{_LOCAL}+)*@({_LABEL}\.)+{_LABEL}$"
_ADDRESS = re.compile(ADDRESS_PATTERN)
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def check_address(text: str) -> str:
    """An email address, its domain in lower case; ValueError when it is not one."""
    address = text.strip()
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise ValueError(f"{text!r} is not an email address (name@example.com)")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


Address = Annotated[str, Field(pattern=ADDRESS_PATTERN, max_length=254)]

EXAMPLES = [
    {"kind": "mailing", "target_id": "M01", "cadence": "weekly", "weekday": "monday",
     "at": "09:00", "period": "previous_week", "recipients": ["crm-team@example.com"],
     "attachments": ["pdf", "xlsx"], "language": "ru"},
    {"kind": "mailing", "target_id": "M01", "cadence": "after_send", "days_after": 3,
     "at": "10:00", "period": "since_sending", "recipients": ["head.of.crm@example.com"],
     "attachments": ["pdf"]},
    {"kind": "campaign", "target_id": "C01", "cadence": "monthly", "day_of_month": 1,
     "at": "08:30", "period": "previous_month",
     "recipients": ["board@example.com", "cmo@example.com"], "attachments": ["xlsx"],
     "language": "en"},
]

# the field each cadence has of its own
DAY_FIELDS = {"days_after": "after_send", "weekday": "weekly", "day_of_month": "monthly"}


class _NewSchedule(BaseModel):
    """What every schedule to add has; each cadence adds its day (below)."""
    model_config = ConfigDict(extra="forbid")

    kind: Literal[KINDS] = Field(description="A mailing's report or a campaign's.")  # type: ignore[valid-type]
    target_id: str = Field(min_length=1, max_length=200,
                           description="The mailing_id or campaign_id.")
    at: str = Field("09:00", pattern=TIME_PATTERN,
                    description="Local time HH:MM (24-hour) in the company zone.")
    period: Literal[PERIOD_RULES] = Field(  # type: ignore[valid-type]
        description="The report's dates for a run: since_sending (the sending day to the "
                    "run's day), last_7_days and last_30_days (the whole days before the "
                    "run), previous_week (Monday to Sunday), previous_month.")
    recipients: list[Address] = Field(min_length=1, max_length=MOST_RECIPIENTS,
                                      description="Email addresses the report is sent to.")
    attachments: list[Literal[ATTACHMENTS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(ATTACHMENTS), min_length=1, max_length=2,
        description="pdf (the report page as printed) and/or xlsx (the workbook).")
    language: Literal["ru", "en"] | None = Field(
        None, description="Of the email, the PDF and the link; default: the locale setting.")
    enabled: StrictBool = True

    @model_validator(mode="before")
    @classmethod
    def _its_own_day(cls, data):
        """Say plainly what a cadence does not take (rather than "extra inputs")."""
        if isinstance(data, dict):
            for name, cadence in DAY_FIELDS.items():
                if name in data and name not in cls.model_fields:
                    raise ValueError(f"{name} is only for the {cadence} cadence")
            if data.get("cadence") == "after_send" and data.get("kind") == "campaign":
                raise ValueError("after_send counts from a mailing's sending: a campaign's "
                                 "schedule is daily, weekly or monthly")
        return data

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(check_address(a) for a in value))

    @field_validator("attachments")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def to_cadence(self) -> Cadence:
        weekday = getattr(self, "weekday", None)
        return Cadence(self.cadence, parse_time(self.at),  # type: ignore[attr-defined]
                       days_after=getattr(self, "days_after", None),
                       weekday=WEEKDAYS.index(weekday) + 1 if weekday else None,
                       day_of_month=getattr(self, "day_of_month", None))


class AfterSendSchedule(_NewSchedule):
    """Once, ``days_after`` days after the local day the mailing was sent (mailings only)."""
    cadence: Literal["after_send"]
    kind: Literal["mailing"] = Field(description="after_send is for a mailing's report.")
    days_after: int = Field(ge=0, le=366, description="Days after the sending day.")


class DailySchedule(_NewSchedule):
    """Every day."""
    cadence: Literal["daily"]


class WeeklySchedule(_NewSchedule):
    """Every week on ``weekday``."""
    cadence: Literal["weekly"]
    weekday: Literal[WEEKDAYS]  # type: ignore[valid-type]


class MonthlySchedule(_NewSchedule):
    """Every month on ``day_of_month``; a month without that day: its last day."""
    cadence: Literal["monthly"]
    day_of_month: int = Field(ge=1, le=31)


NewSchedule = Annotated[AfterSendSchedule | DailySchedule | WeeklySchedule | MonthlySchedule,
                        Field(discriminator="cadence")]
_NEW_SCHEDULE: TypeAdapter = TypeAdapter(NewSchedule)


def new_schedule(**fields) -> _NewSchedule:
    """A schedule to add from its fields (None: not given); ValidationError if wrong."""
    return _NEW_SCHEDULE.validate_python({k: v for k, v in fields.items() if v is not None})


class Schedule(BaseModel):
    """A stored schedule."""
    schedule_id: str
    kind: Literal[KINDS]  # type: ignore[valid-type]
    target_id: str
    cadence: Literal[CADENCES]  # type: ignore[valid-type]
    days_after: int | None = Field(description="after_send: days after the sending day.")
    weekday: Literal[WEEKDAYS] | None = Field(description="weekly: the day.")  # type: ignore[valid-type]
    day_of_month: int | None = Field(description="monthly: the day (or the month's last).")
    at: str = Field(description="Local time HH:MM in the company zone.")
    period: Literal[PERIOD_RULES]  # type: ignore[valid-type]
    recipients: list[str]
    attachments: list[Literal[ATTACHMENTS]]  # type: ignore[valid-type]
    language: Literal["ru", "en"]
    enabled: bool
    product_sales: bool = Field(description="The report includes product sales: the "
                                            "creator was allowed to see them.")
    created_by: str
    created_at: Instant
    next_due_at: Instant | None = Field(
        description="When it runs next (UTC); null: an after_send schedule whose mailing "
                    "is not sent yet, or that has run.")

    def to_cadence(self) -> Cadence:
        return Cadence(self.cadence, parse_time(self.at), days_after=self.days_after,
                       weekday=WEEKDAYS.index(self.weekday) + 1 if self.weekday else None,
                       day_of_month=self.day_of_month)


class Delivery(BaseModel):
    """One attempt at sending one run of a schedule."""
    schedule_id: str
    due_at: Instant = Field(description="The run this attempt is for (UTC).")
    attempt: int = Field(description="1 for the first try, then one more per retry.")
    started_at: Instant
    finished_at: Instant | None
    recipients: list[str]
    period_from: dt.date | None
    period_to: dt.date | None
    outcome: Literal[OUTCOMES] | None = Field(  # type: ignore[valid-type]
        description="sent; retrying (failed, tried again at retry_at); gave_up (the last "
                    "retry failed); failed (a failure no retry mends, e.g. the report no "
                    "longer exists); null while it runs, or when the server stopped during it.")
    error: str | None
    message_id: str | None = Field(description="The Message-ID of the email sent.")
    retry_at: Instant | None
