"""Settings, declared once: each with its default and help line.

Values come, lowest priority first, from the defaults below, the settings file
(``mailreport.toml`` in the working directory, or the path in
``MAILREPORT_CONFIG``), the environment (``MAILREPORT_<NAME>``) and command-line
flags. ``docs/settings.md`` is generated from this table and a test keeps them equal.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
import urllib.parse
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailreport.auth import ROLES
from mailreport.contract import STAGES
from mailreport.i18n import LANGUAGES

SMTP_SECURITY = ("starttls", "tls", "none")
METRICS_ACCESS = ("token", "open", "off")
LOG_FORMATS = ("text", "json")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "mailreport.duckdb",
            "Path of the DuckDB database file; the commands create it and its WAL 0600."),
    Setting("memory_limit", "4GB",
            "Most memory the database engine may use; beyond it, work spills to disk. "
            "While a bulk load merges files, the engine gets three quarters of it: the "
            "rest is for the chunks the load holds outside the engine."),
    Setting("company_timezone", "UTC",
            "IANA time zone of the company: report dates and the period are in it."),
    Setting("currency", "RUB", "Currency code that money amounts are in (display only)."),
    Setting("locale", "ru",
            "Language of the pages, exports and command line for a reader who chose none "
            "(`ru` or `en`); a browser's Accept-Language and the page's switcher override it "
            "per reader. Formats (numbers, money, dates) follow the language, from CLDR."),
    Setting("attribution_window_days", 7,
            "Days after a touch during which an order is attributed to the mailing."),
    Setting("basis_stage_email", "opened", "Stage of an email mailing that makes a touch."),
    Setting("basis_stage_sms", "delivered", "Stage of an SMS mailing that makes a touch."),
    Setting("basis_stage_push", "opened", "Stage of a push mailing that makes a touch."),
    Setting("max_period_days", 1096,
            "Longest period a report may cover, in days (its daily series lists each day); "
            "a longer one is refused."),
    Setting("usual_mailings", 10,
            "How many previous sent mailings of the same channel a mailing's figures are "
            "compared with (\"Compared with usual\": their median and quartiles; fewer "
            "than 3 with the figure: no comparison)."),
    Setting("api_docs", False,
            "Serve the interactive API docs at /docs (Swagger UI, which the browser loads "
            "from jsDelivr); /openapi.json is served either way."),
    Setting("form_max_bytes", 16 * 1024,
            "Largest body the sign-in form may send, in bytes; a larger one is refused "
            "(413) before it is read."),
    Setting("json_max_bytes", 1024 * 1024,
            "Largest body any other endpoint (the API's JSON calls, such as a load) may "
            "receive, in bytes; a larger one is refused (413) before it is read. The "
            "webhooks' limit is MAILREPORT_WEBHOOK_MAX_BYTES (docs/webhooks.md)."),
    Setting("request_seconds", 30,
            "Longest a request's database queries may take, in seconds (for a streamed "
            "export, each slice); a report, list or export that needs longer is stopped "
            "and answered 503."),
    Setting("trusted_proxies", "",
            "Addresses or networks of the reverse proxies in front of the server, "
            "comma-separated (e.g. `10.0.0.5, 10.1.0.0/16`). Only a connection from one of "
            "them has its client taken from X-Forwarded-For (the rightmost address not in "
            "the list), for the sign-in rate limit; a proxy must set that header. A request "
            "that went through any proxy is not from \"this machine\" (loads)."),
    Setting("audit_days", 365,
            "Days the audit trail keeps a record (sign-ins, user and token changes, views "
            "and exports of customer lists); older records are deleted when the server "
            "starts and daily (docs/accounts.md)."),
    Setting("spark_driver_memory", "3g",
            "Heap of the Spark driver's JVM (spark.driver.memory) for the Spark engine, e.g. "
            "`3g`; in local mode the tasks run in it too. Empty: Spark's own configuration "
            "decides. Sizing: docs/spark.md."),
    Setting("spark_executor_memory", "4g",
            "Heap of each Spark executor on a cluster (spark.executor.memory), e.g. `4g`; "
            "a worker must have that much free. Empty: Spark's own configuration decides."),
    Setting("spark_local_shuffle_partitions", 16,
            "Partitions of a shuffle in Spark's local mode (spark.sql.shuffle.partitions); "
            "adaptive execution merges the small ones. A cluster's comes from its own "
            "configuration."),
    Setting("spark_local_dir", "",
            "Folder for Spark's shuffle and spill files and its log (spark.local.dir); it "
            "needs free space about the size of the events. Empty: the system's temporary "
            "folder."),
    Setting("public_url", "",
            "The server's address as readers reach it, e.g. `https://reports.example.com`: "
            "the scheduled emails link back to it. Empty: the address `mailreport serve` "
            "listens on (e.g. `http://127.0.0.1:8000`)."),
    Setting("schedules_enabled", True,
            "Run the scheduled email reports in `mailreport serve` (docs/schedules.md); "
            "off, they are kept but only `schedule run-now` sends one."),
    Setting("smtp_host", "",
            "Mail server the scheduled reports are sent through; empty: none, and each "
            "delivery fails saying so. The password comes only from the environment "
            "variable MAILREPORT_SMTP_PASSWORD, never from a file."),
    Setting("smtp_port", 587, "Port of the mail server (587 for STARTTLS, 465 for TLS)."),
    Setting("smtp_security", "starttls",
            "How the connection to the mail server is protected: `starttls` (plain, then "
            "upgraded; refused if the server cannot), `tls` (TLS from the start) or `none` "
            "(only for a server on this machine or a test)."),
    Setting("smtp_user", "",
            "User name to sign in to the mail server with; empty: no sign-in."),
    Setting("smtp_from", "",
            "Sender address of the scheduled reports, e.g. `Reports <reports@example.com>`."),
    Setting("oidc_issuer", "",
            "Single sign-on with OpenID Connect (docs/accounts.md): the provider's issuer "
            "URL, e.g. `https://sso.example.com/realms/retail`, whose "
            "`/.well-known/openid-configuration` describes it. Empty: no single sign-on. "
            "https, but for a provider on this machine."),
    Setting("oidc_client_id", "",
            "The client id mailreport has at the provider. Its secret comes only from the "
            "environment variable MAILREPORT_OIDC_CLIENT_SECRET, never from a file; "
            "without one, mailreport signs in as a public client (PKCE only)."),
    Setting("oidc_scopes", "openid profile email",
            "Scopes asked of the provider, space-separated; `openid` is required. Add the "
            "one that puts the roles claim in the ID token if the provider needs it."),
    Setting("oidc_display_name", "SSO",
            "Name of the provider on the sign-in page's button (\"Sign in with ...\")."),
    Setting("oidc_username_claim", "preferred_username",
            "ID-token claim whose value names a new single sign-on account (then `email`, "
            "then the subject, when it is missing)."),
    Setting("oidc_roles_claim", "roles",
            "ID-token claim that carries a person's roles or groups, a list or a string; a "
            "dotted path reads a nested one (Keycloak: `realm_access.roles`)."),
    Setting("oidc_role_map",
            "mailreport-viewer=viewer, mailreport-analyst=analyst, mailreport-admin=admin",
            "Which values of the roles claim give which mailreport role, comma-separated "
            "`value=role`; with several, the widest role wins. A person with none of them "
            "is refused."),
    Setting("oidc_product_sales_claim", "",
            "ID-token claim that grants product sales; empty: the roles claim."),
    Setting("oidc_product_sales_value", "mailreport-product-sales",
            "Value of that claim (one of its values, for a list) that grants product "
            "sales. Empty: single sign-on grants it to nobody."),
    Setting("metrics", "token",
            "Who may read the Prometheus metrics at /metrics (docs/operations.md): `token` "
            "(a bearer token equal to the environment variable MAILREPORT_METRICS_TOKEN, "
            "never read from a file, or an admin's token or session), `open` (anyone who "
            "can reach the server: only behind a firewall that lets the scraper alone "
            "through) or `off` (404)."),
    Setting("log_format", "text",
            "How `mailreport serve` writes its log to stderr, a line per request and per "
            "error: `text` for a person at a terminal, `json` (one JSON object a line) for "
            "a log collector (docs/operations.md)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class SettingsError(ValueError):
    pass


def _default(name: str) -> Any:
    return _BY_NAME[name].default


@dataclass(frozen=True)
class Settings:
    db: str = _default("db")
    memory_limit: str = _default("memory_limit")
    company_timezone: str = _default("company_timezone")
    currency: str = _default("currency")
    locale: str = _default("locale")
    attribution_window_days: int = _default("attribution_window_days")
    basis_stage_email: str = _default("basis_stage_email")
    basis_stage_sms: str = _default("basis_stage_sms")
    basis_stage_push: str = _default("basis_stage_push")
    max_period_days: int = _default("max_period_days")
    usual_mailings: int = _default("usual_mailings")
    api_docs: bool = _default("api_docs")
    form_max_bytes: int = _default("form_max_bytes")
    json_max_bytes: int = _default("json_max_bytes")
    request_seconds: int = _default("request_seconds")
    trusted_proxies: str = _default("trusted_proxies")
    audit_days: int = _default("audit_days")
    spark_driver_memory: str = _default("spark_driver_memory")
    spark_executor_memory: str = _default("spark_executor_memory")
    spark_local_shuffle_partitions: int = _default("spark_local_shuffle_partitions")
    spark_local_dir: str = _default("spark_local_dir")
    public_url: str = _default("public_url")
    schedules_enabled: bool = _default("schedules_enabled")
    smtp_host: str = _default("smtp_host")
    smtp_port: int = _default("smtp_port")
    smtp_security: str = _default("smtp_security")
    smtp_user: str = _default("smtp_user")
    smtp_from: str = _default("smtp_from")
    oidc_issuer: str = _default("oidc_issuer")
    oidc_client_id: str = _default("oidc_client_id")
    oidc_scopes: str = _default("oidc_scopes")
    oidc_display_name: str = _default("oidc_display_name")
    oidc_username_claim: str = _default("oidc_username_claim")
    oidc_roles_claim: str = _default("oidc_roles_claim")
    oidc_role_map: str = _default("oidc_role_map")
    oidc_product_sales_claim: str = _default("oidc_product_sales_claim")
    oidc_product_sales_value: str = _default("oidc_product_sales_value")
    metrics: str = _default("metrics")
    log_format: str = _default("log_format")

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.company_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"company_timezone: {self.company_timezone!r} is not an IANA time zone"
            ) from None
        if not isinstance(self.attribution_window_days, int) or self.attribution_window_days < 1:
            raise SettingsError(
                f"attribution_window_days: {self.attribution_window_days!r} must be a whole "
                "number of days, at least 1"
            )
        if not isinstance(self.max_period_days, int) or self.max_period_days < 1:
            raise SettingsError(f"max_period_days: {self.max_period_days!r} must be a whole "
                                "number of days, at least 1")
        for name in ("usual_mailings", "form_max_bytes", "json_max_bytes", "request_seconds",
                     "audit_days", "spark_local_shuffle_partitions"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise SettingsError(f"{name}: {value!r} must be a whole number, at least 1")
        if self.locale not in LANGUAGES:
            raise SettingsError(f"locale: {self.locale!r} is not a language mailreport speaks; "
                                f"use one of {', '.join(LANGUAGES)}")
        networks(self.trusted_proxies)  # refuses what is not an address
        for name in ("spark_driver_memory", "spark_executor_memory"):
            _check_jvm_memory(name, getattr(self, name))
        if not isinstance(self.smtp_port, int) or not 1 <= self.smtp_port <= 65535:
            raise SettingsError(f"smtp_port: {self.smtp_port!r} must be a port, 1 to 65535")
        if self.smtp_security not in SMTP_SECURITY:
            raise SettingsError(f"smtp_security: {self.smtp_security!r} must be one of "
                                f"{', '.join(SMTP_SECURITY)}")
        if self.oidc_issuer:
            _check_oidc(self)
        if self.metrics not in METRICS_ACCESS:
            raise SettingsError(f"metrics: {self.metrics!r} must be one of "
                                f"{', '.join(METRICS_ACCESS)}")
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(f"log_format: {self.log_format!r} must be one of "
                                f"{', '.join(LOG_FORMATS)}")
        for channel in ("email", "sms", "push"):
            stage = self.basis_stage(channel)
            if stage not in STAGES or (channel == "sms" and stage == "opened"):
                raise SettingsError(f"basis_stage_{channel}: {stage!r} is not a stage of {channel}")

    def basis_stage(self, channel: str) -> str:
        return getattr(self, f"basis_stage_{channel}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.company_timezone)

    @property
    def proxy_networks(self) -> tuple[IPNetwork, ...]:
        return networks(self.trusted_proxies)


def role_map(text: str) -> dict[str, str]:
    """oidc_role_map as {claim value: role}: ``value=role`` pairs, comma-separated."""
    pairs = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        value, sep, role = (x.strip() for x in part.rpartition("="))
        if not sep or not value:
            raise SettingsError(f"oidc_role_map: {part!r} is not value=role")
        if role not in ROLES:
            raise SettingsError(f"oidc_role_map: {role!r} (for {value!r}) is not a role; "
                                f"use one of {', '.join(ROLES)}")
        pairs[value] = role
    return pairs


def _check_oidc(settings: Settings) -> None:
    """Single sign-on's settings, checked when it is on (oidc_issuer set)."""
    url = urllib.parse.urlsplit(settings.oidc_issuer)
    loopback = url.hostname in ("localhost", "127.0.0.1", "::1")
    if url.scheme != "https" and not (url.scheme == "http" and loopback):
        raise SettingsError(f"oidc_issuer: {settings.oidc_issuer!r} must be an https URL "
                            "(http only for a provider on this machine)")
    if not settings.oidc_client_id:
        raise SettingsError("oidc_client_id: single sign-on (oidc_issuer) needs the client id "
                            "mailreport has at the provider")
    if "openid" not in settings.oidc_scopes.split():
        raise SettingsError(f"oidc_scopes: {settings.oidc_scopes!r} must include openid")
    if not settings.oidc_roles_claim:
        raise SettingsError("oidc_roles_claim: single sign-on needs the claim that carries "
                            "the roles")
    if not role_map(settings.oidc_role_map):
        raise SettingsError("oidc_role_map: single sign-on needs at least one value=role")


def networks(text: str) -> tuple[IPNetwork, ...]:
    """trusted_proxies as networks (an address is a network of one)."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise SettingsError(f"trusted_proxies: {part!r} is not an IP address or "
                                    "network") from None
    return tuple(out)


# A JVM memory size as -Xmx takes it: a whole number and a unit (Spark reads a bare
# number as MiB for some keys and bytes for others, so a unit is required).
_JVM_MEMORY = re.compile(r"(\d+)([kmgt])", re.IGNORECASE)
# Spark refuses a heap under 450 MiB (1.5 times the 300 MiB it reserves).
_MIN_JVM_MEMORY_MIB = 512


def jvm_memory_mib(value: str) -> float | None:
    """A JVM memory size (512m, 4g) in MiB; None when it is not one."""
    match = _JVM_MEMORY.fullmatch(value)
    if not match:
        return None
    return int(match[1]) * {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 ** 2}[match[2].lower()]


def _check_jvm_memory(name: str, value: str) -> None:
    if value == "":
        return  # Spark's own configuration decides
    mib = jvm_memory_mib(value)
    if mib is None:
        raise SettingsError(f"{name}: {value!r} is not a memory size such as 512m or 4g")
    if mib < _MIN_JVM_MEMORY_MIB:
        raise SettingsError(f"{name}: {value!r} is below the {_MIN_JVM_MEMORY_MIB}m Spark needs")


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _coerce(name: str, value: Any) -> Any:
    default = _BY_NAME[name].default
    if isinstance(default, bool):  # before int: a bool is an int
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in _TRUE + _FALSE:
            return str(value).strip().lower() in _TRUE
        raise SettingsError(f"{name}: {value!r} is not true or false")
    if isinstance(default, int) and not isinstance(value, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{name}: {value!r} is not a whole number") from None
    if isinstance(default, str) and isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)  # a TOML list: trusted_proxies = ["a", "b"]
    return value if not isinstance(default, str) else str(value)


def load_settings(config: str | Path | None = None, **overrides: Any) -> Settings:
    """Defaults < settings file < environment < non-None overrides (flags)."""
    values: dict[str, Any] = {}
    path = Path(config or os.environ.get("MAILREPORT_CONFIG") or "mailreport.toml")
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: {exc}") from None
        unknown = set(data) - set(_BY_NAME)
        if unknown:
            raise SettingsError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
        values.update(data)
    elif config:
        raise SettingsError(f"settings file {path} does not exist")
    for s in SETTINGS:
        env = os.environ.get(f"MAILREPORT_{s.name.upper()}")
        if env is not None and env != "":
            values[s.name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: _coerce(k, v) for k, v in values.items() if k in known})


def render_markdown() -> str:
    lines = [
        "# Settings",
        "",
        "<!-- Generated from src/mailreport/settings.py; tests fail when it drifts. -->",
        "",
        "Read, lowest priority first, from the defaults, `mailreport.toml` in the working "
        "directory (or the file named by `MAILREPORT_CONFIG`), the environment "
        "(`MAILREPORT_<NAME>`, e.g. `MAILREPORT_COMPANY_TIMEZONE`) and command-line flags.",
        "Changing a setting that the derived tables depend on (time zone, window, basis "
        "stages) rebuilds them on the next load or `mailreport refresh`.",
        "",
        "| setting | environment | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | `MAILREPORT_{s.name.upper()}` | `{s.default}` | {s.help} |")
    return "\n".join(lines) + "\n"
