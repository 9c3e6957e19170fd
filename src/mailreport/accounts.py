"""People's accounts: a name, a password kept as an Argon2 hash, a role and the
product-sales grant (docs/accounts.md).

Tokens (auth.py) stay for machines; a person signs in with a name and password
and gets a session. Failed sign-ins are counted per account: after
``LOCKOUT_FAILURES`` in a row the account refuses every password, the right one
too, for ``LOCKOUT_MINUTES``. An unknown name, a wrong password, a locked or a
disabled account all fail alike and take about as long (an Argon2 check is made
either way), so the sign-in page does not tell which names exist.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mailreport.auth import NAME_MAX, ROLES, AuthError, Principal, permissions_of

PASSWORD_MIN = 12
PASSWORD_MAX = 1024  # Argon2 takes any length; this bounds the work one form can ask
LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15

# argon2-cffi's defaults (Argon2id, RFC 9106's second recommended setting: 64 MiB,
# 3 passes, 4 lanes); a hash made with other parameters is redone at the next sign-in
HASHER = PasswordHasher()


class NoSuchUser(AuthError):
    pass


class SingleSignOnOnly(AuthError):
    """The account signs in through single sign-on and has no password here."""


class WeakPassword(AuthError):
    pass


class LastAdmin(AuthError):
    """A change that would leave no enabled admin account."""


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    name: str
    role: str
    product_sales: bool
    disabled: bool
    must_change_password: bool
    created_at: dt.datetime
    password_changed_at: dt.datetime | None
    locked_until: dt.datetime | None


def utcnow() -> dt.datetime:
    """Now, as the store keeps times: UTC without an offset."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# the password rules, by the key password_rule() names them with
RULES = {
    "short": f"a password has at least {PASSWORD_MIN} characters",
    "long": f"a password has at most {PASSWORD_MAX} characters",
    "name": "a password may not contain the account's name",
    "one kind": "a password mixes at least two kinds of character (letters, digits, "
                "symbols)",
}


def password_rule(name: str, password: str) -> str | None:
    """The key of the first rule (RULES) a password breaks, or None. The rules: at
    least 12 characters, not containing the account's name (in any case), and not
    all of one kind (letters only, digits only...). Length does most of the work; no
    longer list of composition rules, which people meet with predictable patterns."""
    if len(password) < PASSWORD_MIN:
        return "short"
    if len(password) > PASSWORD_MAX:
        return "long"
    if name and name.casefold() in password.casefold():
        return "name"
    kinds = {("letter" if c.isalpha() else "digit" if c.isdigit() else
              "space" if c.isspace() else "symbol") for c in password}
    return "one kind" if len(kinds) < 2 else None


def password_problem(name: str, password: str) -> str | None:
    """Why a password will not do, in English, or None."""
    rule = password_rule(name, password)
    return RULES[rule] if rule else None


def one_time_password() -> str:
    """A password for a first sign-in, which must be changed then: 16 random letters
    and digits in four groups (about 95 bits), easy to read out."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
    while True:
        text = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
        if any(c.isdigit() for c in text) and any(c.isalpha() for c in text):
            return text


def check_new_user(name: str, role: str) -> None:
    name = name.strip()
    if not name:
        raise AuthError("a user needs a name")
    if len(name) > NAME_MAX:
        raise AuthError(f"a user's name has at most {NAME_MAX} characters, not {len(name)}")
    if any(not c.isprintable() for c in name):
        raise AuthError("a user's name is printable characters only")
    if role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


_COLUMNS = ("user_id, name, role, product_sales, disabled, must_change_password, created_at, "
            "password_changed_at, locked_until")


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def _info(row: tuple) -> UserInfo:
    (user_id, name, role, product_sales, disabled, must_change, created_at, changed_at,
     locked_until) = row
    return UserInfo(user_id, name, role, bool(product_sales), bool(disabled), bool(must_change),
                    _utc(created_at), _utc(changed_at), _utc(locked_until))


def list_users(store) -> list[UserInfo]:
    return [_info(r) for r in store.sql(f"SELECT {_COLUMNS} FROM users ORDER BY name_key")]


def user_info(store, name: str) -> UserInfo:
    """A user by name, in any case."""
    rows = store.sql(f"SELECT {_COLUMNS} FROM users WHERE name_key = ?", [name.casefold()])
    if not rows:
        raise NoSuchUser(f"no user named {name!r}")
    return _info(rows[0])


def create_user(store, name: str, role: str, product_sales: bool = False,
                password: str | None = None,
                must_change: bool | None = None) -> tuple[UserInfo, str | None]:
    """A new account. Without a password, one is made up and returned (shown once):
    the user must change it at the first sign-in. With one, it must pass the rules,
    and is to be changed only if ``must_change`` says so (an admin who typed it knows
    it: api/users.py asks for the change)."""
    name = name.strip()
    check_new_user(name, role)
    made_up = password is None
    if made_up:
        password = one_time_password()
    elif (problem := password_problem(name, password)) is not None:
        raise WeakPassword(problem)
    if store.sql("SELECT 1 FROM users WHERE name_key = ?", [name.casefold()]):
        raise AuthError(f"a user named {name!r} exists already (names ignore case)")
    now = utcnow()
    with store.write() as con:
        con.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, false, ?, ?, ?, 0, NULL, NULL)",
                    [secrets.token_hex(6), name, name.casefold(), HASHER.hash(password), role,
                     product_sales, made_up if must_change is None else must_change, now,
                     now])
    return user_info(store, name), (password if made_up else None)


def set_disabled(store, name: str, disabled: bool) -> UserInfo:
    """Disable (or enable) an account; disabling ends its sessions at once."""
    user = user_info(store, name)
    with store.write() as con:
        con.execute("UPDATE users SET disabled = ?, sessions_after = "
                    "CASE WHEN ? THEN ? ELSE sessions_after END WHERE user_id = ?",
                    [disabled, disabled, utcnow(), user.user_id])
    return user_info(store, name)


def reset_password(store, name: str) -> tuple[UserInfo, str]:
    """A new one-time password, to change at the next sign-in; ends the account's
    sessions and lifts a lockout. Refused for an account made by single sign-on,
    which has none."""
    user = user_info(store, name)
    [(sso_only,)] = store.sql(
        "SELECT password_hash IS NULL AND EXISTS (SELECT 1 FROM sso_identities i "
        "WHERE i.user_id = u.user_id) FROM users u WHERE user_id = ?", [user.user_id])
    if sso_only:
        # a password would open a second way in, around the provider's sign-in
        raise SingleSignOnOnly(f"user {name!r} signs in through single sign-on and has no "
                               "password here: reset it at the identity provider, or "
                               "disable the account")
    password = one_time_password()
    now = utcnow()
    with store.write() as con:
        con.execute("UPDATE users SET password_hash = ?, must_change_password = true, "
                    "password_changed_at = ?, sessions_after = ?, failed_attempts = 0, "
                    "locked_until = NULL WHERE user_id = ?",
                    [HASHER.hash(password), now, now, user.user_id])
    return user_info(store, name), password


def grant(store, name: str, role: str | None = None,
          product_sales: bool | None = None) -> UserInfo:
    """Change an account's role or product-sales grant (None: unchanged); it applies
    from the next request, since each request reads the account."""
    user = user_info(store, name)
    if role is not None and role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    with store.write() as con:
        con.execute("UPDATE users SET role = ?, product_sales = ? WHERE user_id = ?",
                    [role or user.role,
                     user.product_sales if product_sales is None else product_sales,
                     user.user_id])
    return user_info(store, name)


def check_an_admin_stays(store, name: str, *, disabled: bool | None = None,
                         role: str | None = None) -> None:
    """Refuse (LastAdmin) to disable or demote the last enabled admin account: then
    no person could manage accounts from the pages, and only the local command line
    (``mailreport user``) could repair it. The HTTP API asks this before a change; the
    command line, which is that repair, does not."""
    user = user_info(store, name)
    losing = disabled is True or (role is not None and role != "admin")
    if user.role != "admin" or user.disabled or not losing:
        return
    others = store.sql("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled "
                       "AND user_id <> ?", [user.user_id])[0][0]
    if not others:
        raise LastAdmin(f"{user.name} is the last enabled admin: make another account an "
                        "admin first")


def sign_out_everywhere(store, user_id: str, now: dt.datetime | None = None) -> None:
    """End every session of the account, on every browser."""
    with store.write() as con:
        con.execute("UPDATE users SET sessions_after = ? WHERE user_id = ?",
                    [now or utcnow(), user_id])


# -- signing in ------------------------------------------------------------------

_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash to check a password against when there is no account to check it
    against, so that an unknown name takes as long as a wrong password."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(HASHER.hash(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def _matches(stored: str | None, password: str) -> bool:
    """Whether password is the one hashed in stored. An account made by single sign-on
    has no hash (sso.py): a check against the dummy hash takes the same time, and fails."""
    if stored is None:
        _matches(_dummy_hash(), password)
        return False
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SignIn:
    """What a sign-in came to. ``user`` is None on failure; ``why`` says why for the
    audit trail only, never to the person signing in."""
    user: UserInfo | None
    why: str
    locked_now: bool = False


def authenticate(store, name: str, password: str, now: dt.datetime | None = None) -> SignIn:
    """Check a name and password, counting failures and locking the account after
    LOCKOUT_FAILURES in a row."""
    now = now or utcnow()
    password = password[:PASSWORD_MAX + 1]
    rows = store.sql("SELECT user_id, password_hash, disabled, failed_attempts, locked_until "
                     "FROM users WHERE name_key = ?", [name.strip().casefold()])
    if not rows:
        _matches(_dummy_hash(), password)
        return SignIn(None, "unknown name")
    user_id, stored, disabled, failures, locked_until = rows[0]
    right = _matches(stored, password)  # made in every case: the same time for each
    if disabled:
        return SignIn(None, "disabled")
    if stored is None:  # no failure counted: no password could be right
        return SignIn(None, "single sign-on only")
    if locked_until is not None and locked_until > now:
        return SignIn(None, "locked")
    if not right:
        failures = (failures or 0) + 1
        lock = failures >= LOCKOUT_FAILURES
        with store.write() as con:
            con.execute("UPDATE users SET failed_attempts = ?, locked_until = ? "
                        "WHERE user_id = ?",
                        [0 if lock else failures,
                         now + dt.timedelta(minutes=LOCKOUT_MINUTES) if lock else None,
                         user_id])
        return SignIn(None, "wrong password", locked_now=lock)
    new_hash = HASHER.hash(password) if HASHER.check_needs_rehash(stored) else stored
    with store.write() as con:
        con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, "
                    "password_hash = ? WHERE user_id = ?", [new_hash, user_id])
    return SignIn(user_by_id(store, user_id), "ok")


def user_by_id(store, user_id: str) -> UserInfo | None:
    rows = store.sql(f"SELECT {_COLUMNS} FROM users WHERE user_id = ?", [user_id])
    return _info(rows[0]) if rows else None


def change_password(store, user_id: str, current: str, new: str) -> None:
    """Change one's own password, knowing the current one. Other sessions end; the
    caller starts a new one for this browser."""
    rows = store.sql("SELECT name, password_hash FROM users WHERE user_id = ?", [user_id])
    if not rows or not _matches(rows[0][1], current):
        raise AuthError("the current password is not right")
    name = rows[0][0]
    if (problem := password_problem(name, new)) is not None:
        raise WeakPassword(problem)
    if new == current:
        raise WeakPassword("the new password must differ from the current one")
    now = utcnow()
    with store.write() as con:
        con.execute("UPDATE users SET password_hash = ?, must_change_password = false, "
                    "password_changed_at = ?, sessions_after = ? WHERE user_id = ?",
                    [HASHER.hash(new), now, now, user_id])


def session_principal(store, user_id: str, started: dt.datetime) -> Principal | None:
    """The principal of a user's session started at ``started``; None when the
    account is gone or disabled, or its sessions were ended after it started."""
    rows = store.sql("SELECT name, role, product_sales, disabled, must_change_password, "
                     "sessions_after FROM users WHERE user_id = ?", [user_id])
    if not rows:
        return None
    name, role, product_sales, disabled, must_change, sessions_after = rows[0]
    if disabled or (sessions_after is not None and started < sessions_after):
        return None
    return Principal(name, role, permissions_of(role, bool(product_sales)),
                     actor=f"user:{name}", user_id=user_id,
                     must_change_password=bool(must_change))
