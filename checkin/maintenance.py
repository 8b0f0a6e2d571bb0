"""What the mail worker does besides sending: /find requests looked up, lapsed holds released,
school groups' unfilled places returned at their deadline, and, once in a while, the retention
purge."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import (
    group_changes,
    group_mail,
    holder_messages,
    holds,
    reconfirmation_sweep,
    recovery,
    retention,
    standby,
)

PURGE_EVERY = timedelta(hours=1)


@dataclass
class Maintenance:
    """The worker's memory of when it last purged (nothing another process needs: a second
    worker purging too only finds nothing left to do)."""

    cancelled_days: int
    outbox_folder: str | os.PathLike | None = None
    last_purge: datetime | None = None

    def run(self, now: datetime) -> dict:
        done = {
            "lookups": recovery.process_lookups(now=now),
            "holds_expired": holds.expire_due(now),
            "reconfirmation": reconfirmation_sweep.sweep(now),
            "standby_called": standby.call_all(now),
            "messages_queued": holder_messages.queue_due(now),
            "group_places_returned": group_changes.release_due(now),
            "group_reminders": group_mail.queue_reminders(now),
        }
        if self.last_purge is None or now - self.last_purge >= PURGE_EVERY:
            report = retention.purge(
                now=now, cancelled_days=self.cancelled_days, outbox_folder=self.outbox_folder
            )
            self.last_purge = now
            done["erased"] = report.tickets
        return done
