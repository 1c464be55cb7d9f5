"""huey tasks of the exports (found by `manage.py run_huey`, which imports every app's tasks module).

Tasks take a job id and are idempotent: a task for a job that another run holds, or that has ended, does nothing,
and a task for a job that was interrupted resumes it from its checkpoint.
"""

from __future__ import annotations

import threading

from django.conf import settings
from huey import crontab, signals
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, on_startup

from exports import runner, services


@db_task()
def run_export(job_id: int) -> None:
    runner.run_job(job_id)


@db_periodic_task(crontab(minute="*"))
def resume_stalled_exports() -> None:
    """Jobs whose consumer died mid-run (killed, out of memory, its host gone) are taken up by another."""
    services.requeue_stalled()


@db_periodic_task(crontab(minute="*/10"))
def expire_export_files() -> None:
    services.expire_files()


_started = threading.Event()


@on_startup()
def resume_after_restart() -> None:
    """Once per consumer process: a job whose run was killed with the consumer resumes when its lease runs out,
    rather than at the next minute's check."""
    if _started.is_set():
        return
    _started.set()
    from django.db import close_old_connections

    try:
        services.requeue_stalled(starting=True)
    finally:
        close_old_connections()


@HUEY.signal(signals.SIGNAL_INTERRUPTED)
def requeue_interrupted(signal: str, task: object, *args: object, **kwargs: object) -> None:
    """The consumer was stopped (SIGTERM) with a job running: its task is queued again, for when the lease of the
    interrupted run has run out (another consumer takes it then)."""
    if isinstance(task, run_export.task_class):
        run_export.schedule(args=task.args, delay=settings.EXPORT_LEASE_SECONDS + 1)
