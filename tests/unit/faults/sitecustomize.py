"""Fault injection for the writer's tests (imported at interpreter start when this folder is on
PYTHONPATH). ROC_FAULT=rename-fail:N makes the N-th os.rename raise EIO; ROC_FAULT=rename-kill:N
kills the process with SIGKILL instead, as a power cut or an OOM kill would, between the temporary
file and the rename."""

import errno
import os
import signal

_spec = os.environ.get("ROC_FAULT", "")
if _spec:
    _kind, _at = _spec.split(":")
    _at = int(_at)
    _real_rename = os.rename
    _calls = [0]

    def _faulty_rename(src, dst, *args, **kwargs):
        _calls[0] += 1
        if _calls[0] == _at:
            if _kind == "rename-kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise OSError(errno.EIO, "injected I/O error", dst)
        return _real_rename(src, dst, *args, **kwargs)

    os.rename = _faulty_rename
