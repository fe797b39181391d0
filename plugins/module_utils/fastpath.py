# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The no-change path of esante.roc.pkcs12_unpack and esante.roc.certificate.

An install (full path: bundle opened, key and certificate loaded and checked, files compared) leaves a record
next to the certificate, ``.<certificate file>.esante-roc`` (JSON, 0600): the digest of its source (the bundle,
or the certificate with the key given with it), a digest of its options, verifiers of its passphrases (PBKDF2
salted with the source's digest: no passphrase is stored), the certificate's validity, and the digest, mode and
ids of every file it manages or reads. The next call with the same inputs, when every one of those files still
has its recorded digest and attributes and the certificate is still valid, is answered from the digests alone:
no bundle opened, no key loaded (RSA key checks are most of the work of a fleet's no-change run).

Anything else (no record, another source, option or passphrase, a file edited, a mode changed, a renewal key
waiting, an expired certificate) takes the full path, which checks everything and rewrites the record. The
record is a cache: (re)writing it is never reported as a change, check mode never writes it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import hashlib
import json
import os
import time

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader import not_valid_after, not_valid_before
from ansible_collections.esante.roc.plugins.module_utils.writer import resolve_gid, resolve_uid

# bump when what an install writes for the same inputs changes: older records then no longer answer
VERSION = 1
ITERATIONS = 10000
SECRETS = ("passphrase", "key_passphrase", "keystore_passphrase", "privatekey_passphrase", "privatekey_content")
NOT_OPTIONS = SECRETS + ("content", "src", "items", "config_files", "config_dir_mode")


def record_path(certificate_path):
    directory, name = os.path.split(os.path.abspath(certificate_path))
    return os.path.join(directory, ".%s.esante-roc" % name)


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _text(value):
    return value.encode("utf-8") if not isinstance(value, bytes) else value


def inputs(params, source):
    """What decides the outcome of one install, secrets only as salted verifiers."""
    digest = hashlib.sha256(source).digest()
    options = dict((k, v) for k, v in params.items() if k not in NOT_OPTIONS)
    if params.get("ca_path"):
        try:
            with open(params["ca_path"], "rb") as handle:
                options["ca_path_sha256"] = _sha256(handle.read())
        except (IOError, OSError):
            options["ca_path_sha256"] = None
    secrets = {}
    for name in SECRETS:
        if params.get(name) not in (None, ""):
            secrets[name] = hashlib.pbkdf2_hmac("sha256", _text(params[name]), digest[:16], ITERATIONS).hex()
    return {"version": VERSION, "source": digest.hex(), "secrets": secrets,
            "options": _sha256(json.dumps(options, sort_keys=True, default=str).encode("utf-8"))}


def _file_ok(path, want, uid, gid):
    try:
        st = os.lstat(path)
        if not os.path.isfile(path) or os.path.islink(path):
            return False
        if want.get("mode") is not None and st.st_mode & 0o7777 != want["mode"]:
            return False
        if want.get("uid") is not None and (st.st_uid != want["uid"] or (uid is not None and uid != want["uid"])):
            return False
        if want.get("gid") is not None and (st.st_gid != want["gid"] or (gid is not None and gid != want["gid"])):
            return False
        with open(path, "rb") as handle:
            return _sha256(handle.read()) == want["sha256"]
    except (IOError, OSError):
        return False


def unchanged(expected, params, certificate_path, now=None):
    """The recorded result of this install when nothing changed since the record, else None (full path).
    `expected`: inputs(params, source), computed once by the caller for this check and for plan_record."""
    try:
        with open(record_path(certificate_path), "rb") as handle:
            record = json.loads(handle.read().decode("utf-8"))
    except (IOError, OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("inputs") != expected:
        return None
    now = time.time() if now is None else now
    if not params.get("allow_expired") and not record["not_before"] <= now <= record["not_after"]:
        return None
    try:
        uid, gid = resolve_uid(params.get("owner")), resolve_gid(params.get("group"))
    except RocError:
        return None
    files = record.get("files") or {}
    if not files or not all(_file_ok(path, want, uid, gid) for path, want in files.items()):
        return None
    return record["result"]


def _timestamp(value):
    return calendar.timegm(value.utctimetuple())


def plan_record(writer, expected, certificate_path, first, cert, result, read=None):
    """After the full path planned an install (writer.planned[first:]), plan its record quietly: its inputs
    (`expected`, as inputs() gives them), the files as they will be after the commit, the files it only read
    (`read`: path -> the bytes it read), the result to give back."""
    files = {}
    for item in writer.planned[first:]:
        if item.action == "remove":
            return  # a renewal swap: the next call takes the full path anyway
        data = item.content if item.action in ("create", "replace") else item.old
        files[item.path] = {"sha256": _sha256(data), "mode": item.mode, "uid": item.uid, "gid": item.gid}
    for path, data in (read or {}).items():
        files[os.path.abspath(path)] = {"sha256": _sha256(data)}
    kept = dict((k, v) for k, v in result.items() if k != "certificate")
    record = {"inputs": expected, "not_before": _timestamp(not_valid_before(cert)),
              "not_after": _timestamp(not_valid_after(cert)), "files": files, "result": kept}
    data = json.dumps(record, sort_keys=True, indent=1).encode("utf-8") + b"\n"
    writer.plan(record_path(certificate_path), data, mode=0o600, sensitive=True, default_mode=0o600,
                label="install record", quiet=True)
