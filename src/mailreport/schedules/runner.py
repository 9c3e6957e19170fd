"""The scheduler: finds the runs that are due and sends them, one at a time.

Every ``interval`` seconds (and once on start, so runs missed while the server was
down go out then) it looks at each enabled schedule whose next run is due. Runs
missed in between are one run, the latest, for that run's dates; the schedule
moves on to its first run after now. Failed attempts whose retry time has come are
tried again. Each run is claimed in the store before it is sent (records.claim),
so a second scheduler, or this one restarted, never sends it again: a run is sent
at most once per attempt, and an attempt the process died in stays on record
without an outcome rather than being sent twice.

The clock is injectable: tests move it instead of sleeping."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from mailreport.schedules import records
from mailreport.schedules.delivery import Sender, deliver, run_period, sending_started
from mailreport.schedules.model import Delivery, Schedule
from mailreport.schedules.times import after_send_due, latest_due, next_due

log = logging.getLogger("mailreport.schedules")

INTERVAL_S = 30
FIRST_TICK_S = 5  # the server listens by then: the PDF is drawn by its own pages


class Scheduler:
    def __init__(self, sender: Sender, interval_s: float = INTERVAL_S):
        self.sender = sender
        self.interval_s = interval_s
        # one delivery at a time: a run renders a PDF in Chromium and talks to a mail
        # server; a backlog is worked through in turn, not all at once
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def store(self):
        return self.sender.store

    # -- one pass --------------------------------------------------------------
    def tick(self) -> list[Delivery]:
        """Send what is due now; the attempts made (none taken by another)."""
        made = []
        now = self.sender.now()
        for schedule in records.list_schedules(self.store):
            if not schedule.enabled:
                continue
            schedule = self._after_send_known(schedule)
            if schedule.next_due_at is not None and schedule.next_due_at <= now:
                delivery = self.run_due(schedule, now)
                if delivery is not None:
                    made.append(delivery)
        for failed in records.due_retries(self.store, now):
            schedule = records.get_schedule(self.store, failed.schedule_id)
            delivery = self._attempt(schedule, failed.due_at, failed.attempt + 1,
                                     period=(failed.period_from, failed.period_to))
            if delivery is not None:
                made.append(delivery)
        return made

    def _after_send_known(self, schedule: Schedule) -> Schedule:
        """An after_send schedule added before its mailing was sent learns its run
        once the mailing has a sending time."""
        if schedule.cadence != "after_send" or schedule.next_due_at is not None \
                or records.has_run(self.store, schedule.schedule_id):
            return schedule
        due = after_send_due(schedule.to_cadence(), sending_started(self.sender, schedule),
                             self.sender.zone)
        if due is None:
            return schedule
        records.set_next_due(self.store, schedule.schedule_id, due)
        return schedule.model_copy(update={"next_due_at": due})

    def run_due(self, schedule: Schedule, now: dt.datetime) -> Delivery | None:
        cadence = schedule.to_cadence()
        if schedule.cadence == "after_send":
            due, following = schedule.next_due_at, None
        else:
            due = latest_due(cadence, schedule.next_due_at, now, self.sender.zone)
            following = next_due(cadence, now, self.sender.zone)
        return self._attempt(schedule, due, 1, next_due_at=following)

    def run_now(self, schedule: Schedule) -> Delivery:
        """A run outside the cadence (``schedule run-now``), due this moment; the
        schedule's next run stays as it was."""
        due = self.sender.now()
        while True:  # two asked for in the same microsecond are two runs
            delivery = self._attempt(schedule, due, 1)
            if delivery is not None:
                return delivery
            due += dt.timedelta(microseconds=1)

    def _attempt(self, schedule: Schedule, due: dt.datetime, attempt: int, *,
                 period=None, next_due_at=records._KEEP) -> Delivery | None:
        with self.lock:
            if period is None:
                period = run_period(self.sender, schedule, due)
            claim = records.claim(self.store, schedule.schedule_id, due, attempt,
                                  started_at=self.sender.now(), recipients=schedule.recipients,
                                  period=period, next_due_at=next_due_at)
            if claim is None:
                return None  # taken by another scheduler
            return deliver(self.sender, schedule, claim, period)

    # -- the thread --------------------------------------------------------------
    def start(self, first_tick_s: float = FIRST_TICK_S) -> None:
        self._thread = threading.Thread(target=self._loop, args=(first_tick_s,), daemon=True,
                                        name="mailreport-scheduler")
        self._thread.start()

    def _loop(self, first_tick_s: float) -> None:
        wait = first_tick_s
        while not self._stop.wait(wait):
            try:
                self.tick()
            except Exception:  # a broken pass is logged; the next one tries again
                log.exception("the scheduler's pass failed")
            wait = self.interval_s

    def stop(self, timeout_s: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
