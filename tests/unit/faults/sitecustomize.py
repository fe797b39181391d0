"""Fault injection for the writer's tests (imported at interpreter start when this folder is on
PYTHONPATH). ROC_FAULT=rename-fail:N makes the N-th os.rename raise EIO; ROC_FAULT=rename-kill:N
kills the process with SIGKILL instead, as a power cut or an OOM kill would, between the temporary
file and the rename. ROC_FAULT=watch-modes:0 injects nothing: it logs to ROC_MODE_LOG, at every write,
rename and link, the mode of the file touched (what another process could see at that instant).
ROC_FAULT=trap-keys:0 makes every opening of a PKCS#12 bundle and every loading of a private key raise: a run
that succeeds under it did not open a bundle nor load a key (the install record's no-change path)."""

import errno
import os
import signal

_spec = os.environ.get("ROC_FAULT", "")
if _spec.startswith("watch-modes"):
    import json
    import stat as _stat

    _log_path = os.environ["ROC_MODE_LOG"]
    _real = {"write": os.write, "rename": os.rename, "link": os.link}

    def _log(event, path, mode):
        with open(_log_path, "a") as handle:
            handle.write(json.dumps({"event": event, "path": path, "mode": mode}) + "\n")

    def _watched_write(fd, data):
        st = os.fstat(fd)
        if _stat.S_ISREG(st.st_mode):
            _log("write", os.readlink("/proc/self/fd/%d" % fd), st.st_mode & 0o7777)
        return _real["write"](fd, data)

    # the writer renames and links relative to the folder's descriptor (src_dir_fd): the mode is read there too
    def _watched_rename(src, dst, *args, **kwargs):
        _log("rename", str(dst), os.stat(src, dir_fd=kwargs.get("src_dir_fd")).st_mode & 0o7777)
        return _real["rename"](src, dst, *args, **kwargs)

    def _watched_link(src, dst, *args, **kwargs):
        _log("link", str(dst), os.stat(src, dir_fd=kwargs.get("src_dir_fd"), follow_symlinks=False).st_mode & 0o7777)
        return _real["link"](src, dst, *args, **kwargs)

    os.write, os.rename, os.link = _watched_write, _watched_rename, _watched_link
elif _spec.startswith("trap-keys"):
    from cryptography.hazmat.primitives import serialization as _serialization
    from cryptography.hazmat.primitives.serialization import pkcs12 as _pkcs12

    def _trap(*args, **kwargs):
        raise RuntimeError("trap-keys: a bundle was opened or a key loaded")

    for _name in ("load_pkcs12", "load_key_and_certificates"):
        if hasattr(_pkcs12, _name):
            setattr(_pkcs12, _name, _trap)
    for _name in ("load_pem_private_key", "load_der_private_key"):
        setattr(_serialization, _name, _trap)
elif _spec:
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
