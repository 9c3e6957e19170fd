"""Building the facts into the lake on Spark, and keeping them: ``mailreport
refresh --lake``.

Every fact (``facts.FACTS``, in order) is computed from its single definition on
Spark, as the Spark store computes it, and written under a build of its own, one
folder per mailing (``fact_files.py``); the manifest (``store/lake_facts.py``) then
names the files that make each fact, swapped in one rename. A refresh killed at
any point leaves the old manifest, so readers see the old facts, and files no
manifest names, which the next refresh removes.

A refresh rebuilds only what changed since the last one, as the DuckDB store's
refresh does (``store/duckdb/fact_refresh.py``). The manifest records what the
last build read (``lake_inputs.py``); each fact is redone for what its sources (the
tables and facts its SQL reads) changed:

- events and audience partitions, mailings rows: that mailing's rows;
- orders and order lines: their customers' rows, in facts that have customers
  (attribution, window orders), window orders' only in the mailings whose windows
  hold the changed orders' times when the loads recorded them (``moved_by``);
- a fact redone before it: the mailings whose rows of that fact changed, and for
  attribution, whose scope is customers, the customers whose rows changed, narrowed
  by the fact's ``moved_by`` rule where it has one (a new mailing's touches move
  only the orders in their window, not its whole audience's; a changed attributed
  order moves its buyer's rows in its mailing, not every buyer's there).

The rows of that scope are computed and compared with the kept ones; only the
mailings whose rows differ get new files, the others keep theirs (a mailing with no
files yet, a day's new one, is written without comparing). What cannot be
followed so (customers, products, a changed definition or setting, no manifest)
rebuilds everything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import itertools
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mailreport import facts
from mailreport.contract import TABLES
from mailreport.facts import Fact
from mailreport.facts.sql import quote, sql_list
from mailreport.settings import Settings
from mailreport.store.dialects import translate
from mailreport.store.durable import sync_tree
from mailreport.store.lake_facts import (
    FactsManifest,
    LakeFactsError,
    facts_dir,
    read_manifest,
    remove_unreferenced,
    write_manifest,
)
from mailreport.store.spark import lake_inputs
from mailreport.store.spark.errors import SparkStoreError, first_line, spark_errors
from mailreport.store.spark.fact_files import file_uri, write_fact
from mailreport.store.spark.lake_inputs import (
    BY_CUSTOMER,
    BY_MAILING_ROWS,
    INPUTS_VERSION,
    LakeChanges,
    RefreshError,
)
from mailreport.store.spark.store import (
    fact_frame,
    planned_for,
    read_fact_files,
    read_lake_table,
    user_agents_frame,
)

LOCK_NAME = ".lock"
USER_AGENTS = "user_agents"  # the view of the parsed user agents the facts join
INPUTS_DIR = "_inputs"  # under _facts: the customers' order digests of each build
DIGESTS_DDL = "customer_id STRING, digest STRING"
RECORDED_DDL = "customer_id STRING, ts TIMESTAMP"  # a load's record of orders changed
CONTRACT = frozenset(t.name for t in TABLES)
# the most customers a refresh sends whole to every task to filter by: about 60 MB
# of hash table on the driver and on each executor (a million of the large demo's
# ids made 117 MB); more are joined by a shuffle
BROADCAST_CUSTOMERS = 500_000
_builds = itertools.count(1)


class RefreshBusy(RefreshError):
    """Another refresh of the same lake is running."""


@dataclass
class RefreshResult:
    """What a refresh did: ``full`` says why it rebuilt everything (None: it
    rebuilt what changed), ``rebuilt`` the mailings whose files each fact rewrote."""

    lake: str
    full: str | None = None
    build: str | None = None
    rebuilt: dict[str, list[str]] = field(default_factory=dict)
    customers: int | None = 0  # customers attributed again; None: all of them
    kept: int = 0  # mailings whose files were all reused
    seconds: float = 0.0
    since: str = ""  # when the facts it kept were built
    staged: str | None = None  # what merging the staged events did, when there were some
    orders_from: str = "their digests"  # how the customers whose orders changed were found

    @property
    def mailings(self) -> list[str]:
        return sorted({m for ms in self.rebuilt.values() for m in ms})

    def lines(self) -> list[str]:
        staged = [self.staged] if self.staged else []
        if self.build is None:
            return [*staged, f"{self.lake}: nothing changed since the last refresh "
                             f"({self.since}); checked in {self.seconds:.1f} s"]
        mailings = self.mailings
        if self.full:
            head = (f"rebuilt every fact of {self.lake} ({self.full}): {len(mailings)} "
                    f"mailings, all customers, in {self.seconds:.1f} s")
        else:
            shown = ", ".join(mailings[:10]) + (", ..." if len(mailings) > 10 else "")
            head = (f"refreshed the facts of {self.lake} in {self.seconds:.1f} s: "
                    f"{len(mailings)} mailing(s) rebuilt ({shown or 'none'}), "
                    f"{self.customers} customer(s) attributed again (found by "
                    f"{self.orders_from}), "
                    f"{self.kept} mailing(s) kept as they were")
        per_fact = ", ".join(f"{fact} {len(ms)}" for fact, ms in self.rebuilt.items() if ms)
        return [*staged, head, f"mailings rewritten per fact: {per_fact or 'none'}"]


def lake_folder(lake: str | os.PathLike) -> Path:
    """The lake as a local folder: the manifest is swapped by a rename and a refresh
    holds a file lock, which object stores do not offer."""
    path = lake_inputs.local_lake_path(lake)
    if path is None:
        raise RefreshError(f"refresh needs the lake as a local or mounted path, not "
                           f"{os.fspath(lake)}: mount the bucket (s3fs, gcsfuse, NFS...) and "
                           f"pass its path to --lake (docs/spark.md, Refresh)")
    if not path.is_dir():
        raise RefreshError(f"no lake at {path}: --lake takes the folder that holds the "
                           f"contract tables (`mailreport lake export` writes one)")
    return path.resolve()


@contextmanager
def refresh_lock(lake: Path) -> Iterator[None]:
    """One refresh of a lake at a time: an exclusive lock on LAKE/_facts/.lock, let
    go when the process ends, however it ends."""
    folder = facts_dir(lake)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise RefreshBusy(f"another refresh of {lake} is running (process {holder} "
                              f"holds {path}): wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


# merge(lake, spark): brings what waits outside the lake's tables into them before
# the facts are built (the events staged by a server over the lake,
# ingest/lake_staging.py), starting Spark with spark() only when there is some; the
# line to print, or None when there was nothing
Merge = Callable[[Path, Callable[[], object]], str | None]


def refresh_lake(lake: str | os.PathLike, settings: Settings, session,
                 merge: Merge | None = None) -> RefreshResult:
    """Bring the lake's facts up to date with its tables, on ``session``: a
    SparkSession, or a function that starts one, called only when Spark has work
    (a refresh with nothing changed needs none). ``merge`` runs first, under the
    refresh's lock."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    started = time.perf_counter()
    path = lake_folder(lake)
    with refresh_lock(path):
        build = _Build(session, path, settings)
        try:
            with spark_errors(settings):  # an out-of-memory names the setting to raise
                staged = merge(path, lambda: build.session) if merge else None
                result = build.run()
                result.staged = staged
        except (PySparkException, Py4JError, SparkStoreError, OSError) as exc:
            raise RefreshError(f"the refresh of {path} failed: {first_line(exc)} (the lake keeps "
                               f"the facts of the last refresh)") from exc
        finally:
            # a Ctrl-C that cut a call to Spark short can leave the gateway's
            # connection broken: releasing what the build cached must not hide it
            with contextlib.suppress(PySparkException, Py4JError):
                build.release()
    result.seconds = time.perf_counter() - started
    return result


def keep_refreshing(lake: str | os.PathLike, settings: Settings, session, every: float,
                    report: Callable[[RefreshResult | RefreshError], None],
                    rounds: int | None = None, merge: Merge | None = None) -> None:
    """A refresh now and then every ``every`` seconds (counted from each one's
    start) until interrupted, or ``rounds`` of them; a round that fails is reported
    and the next one tries again."""
    for n in itertools.count(1):
        started = time.monotonic()
        try:
            report(refresh_lake(lake, settings, session, merge))
        except RefreshError as exc:
            report(exc)
        if rounds is not None and n >= rounds:
            return
        time.sleep(max(0.0, every - (time.monotonic() - started)))


@dataclass
class _Scope:
    """The rows of a fact a refresh redoes: ``where`` (facts/fact.py's condition),
    and the mailings when it is whole mailings (None: some customers' rows, in
    the ``bound`` mailings when they are known); ``few_customers``: only
    customers' rows, few enough to broadcast."""

    where: str
    mailings: set[str] | None = None
    few_customers: bool = False
    bound: set[str] | None = None  # some customers' rows, in these mailings only


@dataclass
class _Changed:
    """What changed in a source of a fact: mailings, and customers (a DataFrame of
    customer_id) where known, with the changed rows themselves when the source is a
    fact (for the consumers' ``moved_by``)."""

    mailings: set[str]
    customers: object = None
    rows: object = None


class _Build:
    """One refresh: its views on the session, what it kept on the executors."""

    def __init__(self, session, lake: Path, settings: Settings):
        self._session = session
        self.lake = lake
        self.root = facts_dir(lake)
        self.settings = settings
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.id = f"{stamp}-{secrets.token_hex(3)}"
        self.prefix = f"mailreport_refresh_{os.getpid()}_{next(_builds)}_"
        self.views = {name: self.prefix + name for name in (*CONTRACT, *facts.FACT_TABLES)}
        self._persisted: list = []
        self._tables_read = False
        # facts whose changed customers a fact scoped by customers reads
        self._feeds = {source for f in facts.FACTS if f.scope == "customer"
                       for source in lake_inputs.fact_sources(f, settings)}
        self._temp_views: list[str] = []  # to drop when the build ends
        self._old: FactsManifest | None = None  # the manifest the build started from
        self._records: list[lake_inputs.ChangeRecord] = []  # the loads' records read
        self.result = RefreshResult(lake=str(lake))

    @property
    def session(self):
        if callable(self._session):
            self._session = self._session()
        return self._session

    # -- the steps ----------------------------------------------------------------
    def run(self) -> RefreshResult:
        old, reason = self._old_manifest()
        scanned = time.time()
        now = lake_inputs.scan_files(self.lake)  # before Spark lists the files
        self._records = lake_inputs.change_records(self.lake)
        reason = reason or self._full_reason(old, now)
        inputs = {"version": INPUTS_VERSION, **now}
        if reason:
            changes = LakeChanges(full=reason)
            inputs["rows"] = self._mailing_rows({}, {}, now, changes)
            inputs["order_digests"] = self._write_order_digests()
        else:
            changes = LakeChanges()
            inputs["rows"] = self._mailing_rows(old.inputs, old.inputs.get("rows", {}), now,
                                                changes)
            self._order_changes(old.inputs, now, changes, inputs)
            old_partitions = old.inputs.get("partitions", {})
            changes.mailings.update({t: lake_inputs.changed_keys(
                old_partitions.get(t, {}), now["partitions"].get(t, {}))
                for t in now["partitions"].keys() | old_partitions.keys()})
        if not changes.any:
            result = self._unchanged(old, inputs)
            self._forget_records(now, scanned)
            return result
        files = self._build_facts(changes, old)
        for folder in {self.root / f.name / self.id for f in facts.FACTS} \
                | {self.root / INPUTS_DIR / self.id}:
            if folder.is_dir():
                sync_tree(folder)
        manifest = FactsManifest(facts.fingerprint(self.settings), files, inputs)
        write_manifest(self.lake, manifest, "refresh")
        remove_unreferenced(self.lake, self._with_inputs(manifest))
        self._forget_records(now, scanned)
        self.result.build = self.id
        self.result.full = changes.full
        kept = {m for by_mailing in files.values() for m in by_mailing}
        self.result.kept = len(kept - set(self.result.mailings))
        return self.result

    def _read_tables(self) -> None:
        """The contract tables as the build's views, once, when a Spark job needs them
        (a refresh with nothing to do starts none)."""
        if self._tables_read:
            return
        for table in TABLES:
            read_lake_table(self.session, file_uri(self.lake), table) \
                .createOrReplaceTempView(self.views[table.name])
            self._temp_views.append(self.views[table.name])
        self.views[USER_AGENTS] = self.prefix + USER_AGENTS  # (made by _parse_user_agents)
        self._tables_read = True

    def _parse_user_agents(self, fact: Fact, where: str) -> None:
        """When the fact's SQL joins the user agents, their view for its rows of
        ``where``: the agents of those rows' events alone (a day's refresh parses
        its new mailing's, not every event's again)."""
        if USER_AGENTS not in lake_inputs.tables_read(fact, self.settings):
            return
        view = self.views[USER_AGENTS]
        user_agents_frame(self.session, self.views["events"], where) \
            .createOrReplaceTempView(view)
        if view not in self._temp_views:
            self._temp_views.append(view)

    def _old_manifest(self) -> tuple[FactsManifest | None, str | None]:
        try:
            old = read_manifest(self.lake)
        except LakeFactsError as exc:
            return None, f"the last manifest cannot be used: {exc}"
        return old, None if old is not None else "no facts in the lake yet"

    def _full_reason(self, old: FactsManifest, now: dict) -> str | None:
        if old.fingerprint != facts.fingerprint(self.settings):
            return "the facts' definitions or settings changed"
        read = lake_inputs.read_by_facts(self.settings)
        reason = lake_inputs.full_rebuild_reason(old.inputs, now, read)
        if reason:
            return reason
        digests = old.inputs.get("order_digests")
        if not digests or not (self.root / digests).is_dir():
            return "the last build's digests of the customers' orders are missing"
        for fact in facts.FACTS:
            for path in old.fact_files(fact.name):
                if not (self.root / path).is_file():
                    return f"a file of the last build is missing ({path})"
        return None

    def _unchanged(self, old: FactsManifest, inputs: dict) -> RefreshResult:
        """Nothing to rebuild: the same files; new signatures are recorded (a table
        rewritten with the same rows), so the next refresh need not digest it again."""
        if inputs != old.inputs:
            if (self.root / INPUTS_DIR / self.id).is_dir():
                sync_tree(self.root / INPUTS_DIR / self.id)
            old.inputs = inputs
            write_manifest(self.lake, old, "refresh")
        remove_unreferenced(self.lake, self._with_inputs(old))
        self.result.since = old.built_at
        return self.result

    def _forget_records(self, now: dict, scanned: float) -> None:
        """Remove the loads' records the next refresh cannot use: all but those that
        start from the files this one read, or that were written since it read them
        (a load that ended meanwhile)."""
        start = lake_inputs.order_tables(now["tables"])
        for record in self._records:
            with contextlib.suppress(OSError):  # (gone already: removed by another)
                if record.before != start and record.folder.stat().st_mtime < scanned:
                    shutil.rmtree(record.folder, ignore_errors=True)

    @staticmethod
    def _with_inputs(manifest: FactsManifest) -> FactsManifest:
        """The manifest with the order digests' folder among its files, so that
        removing what the manifest does not reference keeps it."""
        digests = manifest.inputs.get("order_digests")
        extra = {INPUTS_DIR: {"": [digests]}} if digests else {}
        return FactsManifest(manifest.fingerprint, {**manifest.files, **extra})

    # -- what changed -------------------------------------------------------------
    def _mailing_rows(self, old_inputs: dict, old_rows: dict, now: dict,
                      changes: LakeChanges) -> dict:
        """Per mailing, the digest of its rows of each table followed by mailing rows
        (computed again only for a table whose files changed); the mailings whose
        digest changed go to ``changes``."""
        rows = {}
        old_tables = old_inputs.get("tables", {})
        for table in BY_MAILING_ROWS:
            if table not in lake_inputs.read_by_facts(self.settings):
                continue
            if table in old_rows and old_tables.get(table) == now["tables"].get(table):
                rows[table] = old_rows[table]
                continue
            self._read_tables()
            rows[table] = lake_inputs.mailing_digests(self.session, self.views[table], table)
            changes.mailings[table] = lake_inputs.changed_keys(old_rows.get(table, {}),
                                                               rows[table])
        return rows

    def _write_order_digests(self) -> str:
        """The customers' order digests of the lake now, under the build."""
        relative = f"{INPUTS_DIR}/{self.id}/orders"
        self._read_tables()
        lake_inputs.customer_digests(self.session, self.views["orders"],
                                     self.views["order_lines"]) \
            .write.parquet(file_uri(self.root / relative))
        return relative

    def _order_changes(self, old_inputs: dict, now: dict, changes: LakeChanges,
                       inputs: dict) -> None:
        """The customers whose orders or order lines changed, when the files of either
        changed: those the loads recorded, when their records lead from the last
        build's files to these, else by the digests. Sets the digests' folder (and
        the files they are of, when older than these) in ``inputs``."""
        old_tables = old_inputs.get("tables", {})
        kept = {k: old_inputs[k] for k in ("order_digests", "order_digests_at")
                if k in old_inputs}
        if lake_inputs.order_tables(old_tables) == lake_inputs.order_tables(now["tables"]):
            inputs.update(kept)
            return
        chain = lake_inputs.recorded_changes(self._records, old_tables, now["tables"])
        if chain is not None:
            inputs.update(kept)
            inputs.setdefault("order_digests_at", lake_inputs.order_tables(old_tables))
            self.result.orders_from = "the loads' records"
            folders = [file_uri(r.folder / name) for r in chain for name in r.customers]
            if folders:
                orders = self._persist(self.session.read.schema(RECORDED_DDL)
                                       .parquet(*folders).distinct())
                # (a record without the times, of an earlier version: customers only)
                if not orders.where("ts IS NULL").limit(1).count():
                    changes.orders = orders
                changed = orders.select("customer_id")
            else:
                changed = None
        else:
            relative = self._write_order_digests()
            inputs["order_digests"] = relative
            new, old = (self.session.read.schema(DIGESTS_DDL).parquet(file_uri(self.root / p))
                        for p in (relative, old_inputs["order_digests"]))
            changed = (new.alias("n").join(old.alias("o"), "customer_id", "full_outer")
                       .where("NOT (n.digest <=> o.digest)").select("customer_id"))
        if changed is not None:
            changed = self._persist(changed.distinct())
            if changed.count():
                changes.customers = changed

    # -- the facts ----------------------------------------------------------------
    def _build_facts(self, changes: LakeChanges, old: FactsManifest | None) -> dict:
        self._read_tables()
        self._old = old
        files: dict[str, dict[str, list[str]]] = {}
        changed: dict[str, _Changed] = {t: _Changed(ms) for t, ms in changes.mailings.items()
                                        if ms}
        if changes.customers is not None:
            changed.update({t: _Changed(set(), changes.customers, changes.orders)
                            for t in BY_CUSTOMER})
        if changes.full:
            self.result.customers = None  # all of them
        for fact in facts.FACTS:
            if changes.full:
                self._parse_user_agents(fact, "true")
                df = fact_frame(self.session, fact, self.settings, self.views)
                with planned_for(self.session, fact):
                    files[fact.name] = write_fact(df, fact, self.root, self.id)
                self.result.rebuilt[fact.name] = sorted(files[fact.name])
            else:
                kept = old.files.get(fact.name, {})
                scope = self._scope(fact, changed)
                if scope is None:
                    files[fact.name] = kept
                else:
                    with planned_for(self.session, fact):
                        files[fact.name], changed[fact.name] = self._redo(fact, scope, kept)
                    self.result.rebuilt[fact.name] = sorted(changed[fact.name].mailings)
            read_fact_files(self.session, self.root, fact, _paths(files[fact.name])) \
                .createOrReplaceTempView(self.views[fact.name])
            self._temp_views.append(self.views[fact.name])
        return files

    def _scope(self, fact: Fact, changed: dict[str, _Changed]) -> _Scope | None:
        """The rows of the fact its changed sources may move; None: none."""
        if fact.scope == "campaign":
            return self._campaign_scope(fact, changed)
        mailings: set[str] = set()  # whole mailings
        customers = []  # customers, in every mailing
        pairs = []  # (mailing_id, customer_id): customers in some mailings only
        rules = dict(fact.moved_by)
        for source in sorted(lake_inputs.fact_sources(fact, self.settings)):
            c = changed.get(source)
            if c is None or not (c.mailings or c.customers is not None):
                continue
            rule = rules.get(source) if c.rows is not None else None
            by_customer = fact.scope == "customer" or (source in CONTRACT and not c.mailings)
            if rule is not None and fact.scope == "mailing":
                pairs.append(self._moved(source, rule, c.rows))
            elif not by_customer:
                mailings |= c.mailings
            elif c.customers is not None and "customer_id" in fact.column_names:
                customers.append(c.customers if rule is None
                                 else self._moved(source, rule, c.rows))
            else:  # a change this fact cannot be scoped to: all of it, compared
                return _Scope("true")
        parts = []
        if mailings:
            parts.append(f"mailing_id IN ({sql_list(sorted(mailings))})")
        paired = self._paired(fact, pairs, mailings) if pairs else None
        if paired:
            parts.append(paired[0])
        few = False
        if customers:
            view, count = self._customers_view(fact, _union(customers).distinct())
            if fact.scope == "customer":
                self.result.customers = max(self.result.customers or 0, count)
            parts.append(f"customer_id IN (SELECT customer_id FROM {view})")
            few = not mailings and not paired and count <= BROADCAST_CUSTOMERS
        if not parts:
            return None
        where = " OR ".join(parts)
        if customers:
            return _Scope(where, None, few)
        if not paired:
            return _Scope(where, mailings)
        bound = mailings | paired[1]
        # the mailings named apart too, so that Spark reads only their files
        return _Scope(f"mailing_id IN ({sql_list(sorted(bound))}) AND ({where})",
                      bound=bound)

    def _paired(self, fact: Fact, pairs: list, whole: set[str]) -> tuple[str, set[str]] | None:
        """The condition for the (mailing, customer) pairs outside the ``whole``
        mailings, and their mailings; None: there are none. It names the pairs'
        mailings and customers apart (a customer's rows are redone in each of
        the mailings): a superset of the pairs, computed and compared as well."""
        from pyspark.sql import functions as F

        rows = _union(pairs)
        if whole:
            rows = rows.where(~F.col("mailing_id").isin(sorted(whole)))
        rows = self._persist(rows.distinct())
        mailings = {r[0] for r in rows.select("mailing_id").distinct().collect()}
        if not mailings:
            return None
        view, _count = self._customers_view(fact, rows.select("customer_id").distinct(),
                                            "paired")
        return (f"(mailing_id IN ({sql_list(sorted(mailings))}) "
                f"AND customer_id IN (SELECT customer_id FROM {view}))", mailings)

    def _customers_view(self, fact: Fact, customers, name: str = "scope"
                        ) -> tuple[str, int]:
        """The customers of a fact's scope as a view, and how many they are. The
        queries filter the large tables and facts by it (``customer_id IN (SELECT
        ...)``): Spark cannot know its size in advance and would split both sides
        by customer, every row of the large one crossing a shuffle; sent whole to
        each task instead (a broadcast), it lets them through as they are read,
        when it is small enough to hold in memory."""
        from pyspark.sql import functions as F

        customers = self._persist(customers)
        count = customers.count()
        if count <= BROADCAST_CUSTOMERS:
            customers = F.broadcast(customers)
        view = f"{self.prefix}{name}_{fact.name}"
        customers.createOrReplaceTempView(view)
        self._temp_views.append(view)
        return view, count

    def _campaign_scope(self, fact: Fact, changed: dict[str, _Changed]) -> _Scope | None:
        """A campaign's counts follow its mailings' rows: the campaigns of the mailings
        whose rows of a source changed, those they are in now and those the last build
        counted them in, whole (compared: only the campaigns whose rows differ are
        written), reading only those campaigns' mailings."""
        mailings: set[str] = set()
        for source in sorted(lake_inputs.fact_sources(fact, self.settings)):
            c = changed.get(source)
            if c is None or not (c.mailings or c.customers is not None):
                continue
            if not c.mailings:  # a change not followed by mailing: all, compared
                return _Scope("true")
            mailings |= c.mailings
        members = self._campaign_members(mailings) if mailings else {}
        if not members:
            return None
        read = sorted({m for ms in members.values() for m in ms})
        return _Scope(f"campaign_id IN ({sql_list(sorted(members))}) "
                      f"AND mailing_id IN ({sql_list(read)})")

    def _campaign_members(self, mailings: set[str]) -> dict[str, set[str]]:
        """The campaigns the mailings are in now or were counted in by the last build
        (``campaign_mailings`` as kept), each with its mailings now and then."""
        pairs = {(r[0], r[1]) for r in self.session.table(self.views["mailings"])
                 .where("campaign_id IS NOT NULL").select("campaign_id", "mailing_id")
                 .collect()}
        kept = self._old.files.get(facts.CAMPAIGN_MAILINGS.name, {}) if self._old else {}
        if kept:
            pairs |= {(r[0], r[1]) for r in read_fact_files(
                self.session, self.root, facts.CAMPAIGN_MAILINGS, _paths(kept))
                .where("campaign_id IS NOT NULL").select("campaign_id", "mailing_id")
                .collect()}
        touched = {c for c, m in pairs if m in mailings}
        members: dict[str, set[str]] = {}
        for campaign, mailing in pairs:
            if campaign in touched:
                members.setdefault(campaign, set()).add(mailing)
        return members

    def _redo(self, fact: Fact, scope: _Scope,
              kept: dict[str, list[str]]) -> tuple[dict[str, list[str]], _Changed]:
        """The fact's rows of the scope computed again and compared with the kept
        ones; the mailings whose rows differ written anew (their rows outside the
        scope as they were), the others' files kept."""
        from pyspark.sql import functions as F

        where = scope.where
        self._parse_user_agents(fact, where)
        new = fact_frame(self.session, fact, self.settings, self.views, where,
                         few_customers=scope.few_customers)
        # rows of known mailings: they are in those mailings' files, so only those
        # are read
        within = scope.mailings if scope.mailings is not None else scope.bound
        old_files = kept if within is None else \
            {m: paths for m, paths in kept.items() if m in within}
        wants_customers = "customer_id" in fact.column_names and fact.name in self._feeds
        if scope.mailings is not None and not old_files:
            # new mailings (a day's): nothing to compare with, so written as they come
            written = write_fact(new, fact, self.root, self.id)
            rows = (read_fact_files(self.session, self.root, fact, _paths(written))
                    if wants_customers and written else None)
            customers = None if rows is None else rows.select("customer_id").distinct()
            return (dict(sorted({**kept, **written}.items())),
                    _Changed(set(written), customers, rows))
        new = self._persist(new)
        old_view = f"{self.prefix}old_{fact.name}"
        read_fact_files(self.session, self.root, fact, _paths(old_files)) \
            .createOrReplaceTempView(old_view)
        self._temp_views.append(old_view)

        def old_rows(condition: str):
            sql = f"SELECT * FROM {quote(fact.name)} WHERE {condition}"
            return self.session.sql(translate(sql, "spark", {fact.name: old_view}))

        before = old_rows(f"({where})")
        diff = before.exceptAll(new).unionAll(new.exceptAll(before))
        if wants_customers:  # kept: attribution is redone for its customers next
            diff = self._persist(diff)
        mailings = sorted(r[0] for r in diff.select("mailing_id").distinct().collect()
                          if r[0] is not None)
        if not mailings:
            return kept, _Changed(set())
        outside = old_rows(f"mailing_id IN ({sql_list(mailings)}) "
                           f"AND NOT coalesce(({where}), false)")
        rows = outside.unionByName(new.where(F.col("mailing_id").isin(mailings)))
        written = write_fact(rows, fact, self.root, self.id)
        files = {m: paths for m, paths in kept.items() if m not in set(mailings)}
        files.update(written)
        customers = diff.select("customer_id").distinct() if wants_customers else None
        return (dict(sorted(files.items())),
                _Changed(set(mailings), customers, diff if wants_customers else None))

    def _moved(self, source: str, rule: Callable[[Settings], str], rows):
        """The customers whose rows of a fact the changed ``rows`` of its ``source``
        can move, by the fact's own rule (``Fact.moved_by``)."""
        view = f"{self.prefix}changed_{source}"
        rows.createOrReplaceTempView(view)
        self._temp_views.append(view)
        return self.session.sql(translate(rule(self.settings), "spark",
                                          {**self.views, "changed": view}))

    # -- housekeeping -------------------------------------------------------------
    def _persist(self, df):
        """df computed now and kept on the executors, its lineage cut: the queries
        that read it plan over a leaf, not over every step before it (with cached
        plans instead, each query of a refresh took seconds to plan)."""
        from pyspark import StorageLevel

        df = df.localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)
        self._persisted.append(df)
        return df

    def release(self) -> None:
        # checkpointed blocks go when Spark's cleaner finds them unreferenced
        self._persisted.clear()
        for view in self._temp_views:
            self.session.catalog.dropTempView(view)


def _union(frames: list):
    union = frames[0]
    for more in frames[1:]:
        union = union.unionByName(more)
    return union


def _paths(by_mailing: dict[str, list[str]]) -> list[str]:
    return [p for mailing in sorted(by_mailing) for p in by_mailing[mailing]]
