"""Callback plugin for bench/ab/ab.py (not part of the collection): every forked worker appends one line, task name,
host, its own CPU seconds, its children's (ssh), wall seconds, to $CPU_TASKS_OUT. Enabled with
ANSIBLE_CALLBACK_PLUGINS=bench/ab ANSIBLE_CALLBACKS_ENABLED=worker_cpu."""
from __future__ import annotations

import os
import resource
import time

from ansible.executor.process import worker as _worker
from ansible.plugins.callback import CallbackBase

OUT = os.environ.get("CPU_TASKS_OUT", "/tmp/worker-cpu.tsv")
_original = _worker.WorkerProcess._run


def _run(self):
    start = time.monotonic()
    try:
        return _original(self)
    finally:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(OUT, "a") as handle:
            handle.write("%s\t%s\t%.4f\t%.4f\t%.4f\n" % (
                self._task.get_name(), self._host.name, own.ru_utime + own.ru_stime,
                children.ru_utime + children.ru_stime, time.monotonic() - start))


_worker.WorkerProcess._run = _run


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "worker_cpu"
    CALLBACK_NEEDS_ENABLED = True
