"""Reports sent by email on a schedule (docs/schedules.md): when each is due
(times.py), what is stored (records.py), the message and its sending (message.py,
smtp.py), one run (delivery.py) and the loop that runs them (runner.py)."""
