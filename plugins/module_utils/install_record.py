# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The no-change path of esante.roc.pkcs12_unpack and esante.roc.certificate.

An install (full path: bundle opened, key and certificate loaded and checked, files compared) leaves a record
next to the certificate, ``.<certificate file>.esante-roc`` (JSON, 0600): the digest of its source (the bundle,
or the certificate with the key given with it), a digest of its options, verifiers of its passphrases, the
certificate's validity, and the digest, mode and ids of every file it manages or reads.

A passphrase verifier is an HMAC-SHA256 under the host's record key (``/var/lib/esante-roc/record.key``: 32 random
bytes, root's, 0600, in a 0700 folder, made at the first install that needs it, quietly, at best): it proves "the
same passphrase as last time" without being a guessing oracle for whoever reads the record (a salted hash with a
public salt is one). No passphrase is stored. A record key that cannot be read safely (a link, another owner, a
wider mode, another size) means no fast path at all: every call takes the full check.

The next call with the same inputs, when every one of those files still has its recorded digest and attributes
and the certificate is still valid, is answered from the digests alone: no bundle opened, no key loaded (RSA key
checks are most of the work of a fleet's no-change run).

Anything else (no record, another source, option or passphrase, a file edited, a mode changed, a renewal key
waiting, an expired certificate) takes the full path, which checks everything and rewrites the record. The
record is a cache: (re)writing it is never reported as a change, check mode never writes it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import hashlib
import hmac
import json
import os
import stat
import time

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import not_valid_after, not_valid_before
from ansible_collections.esante.roc.plugins.module_utils.writer import NAME_MAX, lstat, read_regular, resolve_gid, resolve_uid

# bump when what an install writes for the same inputs changes: older records then no longer answer
VERSION = 2
KEY_DIR = "/var/lib/esante-roc"
KEY_PATH = KEY_DIR + "/record.key"
KEY_SIZE = 32
_HOST_KEY = {}  # this process's record key, read (or made in memory) once
SECRETS = ("passphrase", "key_passphrase", "keystore_passphrase", "privatekey_passphrase", "privatekey_content")
NOT_OPTIONS = SECRETS + ("content", "src", "items", "config_files", "config_dir_mode")


def record_path(certificate_path):
    directory, name = os.path.split(os.path.abspath(certificate_path))
    return os.path.join(directory, ".%s.esante-roc" % name)


def _recordable(path):
    """Whether a record can stand at path: a certificate whose name is close to the file name limit has none (its
    record's name would be longer than a file name may be): every call takes the full check."""
    return len(os.path.basename(path).encode("utf-8", "surrogateescape")) <= NAME_MAX


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _text(value):
    return value.encode("utf-8") if not isinstance(value, bytes) else value


def host_key():
    """(key, stored) of this host's record key: stored False when there is none yet (a new one, in memory, that
    plan_record writes); key None when what stands there cannot be trusted (a link, another owner, a mode
    wider than 0600 / 0700, another size): then no fast path at all."""
    if "key" not in _HOST_KEY:
        key, stored = None, False
        try:
            folder = lstat(KEY_DIR, "install record key")
            if folder is None:
                key = os.urandom(KEY_SIZE)
            elif stat.S_ISDIR(folder.st_mode) and folder.st_uid == os.geteuid() and not folder.st_mode & 0o077:
                found = read_regular(KEY_PATH, "install record key", missing_ok=True)
                if found is None:
                    key = os.urandom(KEY_SIZE)
                elif found[1].st_uid == os.geteuid() and not found[1].st_mode & 0o077 and len(found[0]) == KEY_SIZE:
                    key, stored = found[0], True
        except RocError:  # a link on the way, a special file: not trusted
            pass
        _HOST_KEY.update(key=key, stored=stored)
    return _HOST_KEY["key"], _HOST_KEY["stored"]


def _verifier(key, digest, name, value):
    message = b"\0".join((digest, name.encode("ascii"), _text(value)))
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def inputs(params, source):
    """What decides the outcome of one install, secrets only as HMACs under the host's record key."""
    digest = hashlib.sha256(source).digest()
    options = dict((k, v) for k, v in params.items() if k not in NOT_OPTIONS)
    if params.get("ca_path"):
        try:
            options["ca_path_sha256"] = _sha256(read_regular(params["ca_path"], "ca_path", follow=True)[0])
        except RocError:
            options["ca_path_sha256"] = None
    found = {"version": VERSION, "source": digest.hex(), "secrets": {},
             "options": _sha256(json.dumps(options, sort_keys=True, default=str).encode("utf-8"))}
    names = [name for name in SECRETS if params.get(name) not in (None, "")]
    if names:
        key = host_key()[0]
        if key is None:
            found["usable"] = False  # no trusted record key: no record answers, none is written
            return found
        found["key"] = hmac.new(key, b"esante.roc install record key", hashlib.sha256).hexdigest()[:16]
        for name in names:
            found["secrets"][name] = _verifier(key, digest, name, params[name])
    return found


def _file_ok(path, want, uid, gid):
    try:
        data, st = read_regular(path, "install record")
    except RocError:  # absent, a link, a special file, other hard links
        return False
    if want.get("mode") is not None and st.st_mode & 0o7777 != want["mode"]:
        return False
    if want.get("uid") is not None and (st.st_uid != want["uid"] or (uid is not None and uid != want["uid"])):
        return False
    if want.get("gid") is not None and (st.st_gid != want["gid"] or (gid is not None and gid != want["gid"])):
        return False
    return _sha256(data) == want["sha256"]


def unchanged(expected, params, certificate_path, now=None):
    """The recorded result of this install when nothing changed since the record, else None (full path).
    `expected`: inputs(params, source), computed once by the caller for this check and for plan_record."""
    if expected.get("usable") is False:
        return None
    path = record_path(certificate_path)
    if not _recordable(path):
        return None
    # a link or special file at the record's path (or a link above it) is refused here, as the full path would refuse
    # to write the record: check mode tells it too
    if lstat(path, "install record") is None:
        return None
    try:
        record = json.loads(read_regular(path, "install record")[0].decode("utf-8"))
    except ValueError:
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
    (`read`: path -> the bytes it read), the result to give back. The host's record key is written first when
    the verifiers need a new one."""
    if expected.get("usable") is False or not _recordable(record_path(certificate_path)):
        return
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
    key, stored = host_key()
    if expected.get("secrets") and not stored and not any(item.path == KEY_PATH for item in writer.planned):
        try:  # never replaces one that appeared meanwhile (the record then just does not answer)
            writer.plan(KEY_PATH, key, mode=0o600, sensitive=True, default_mode=0o600, label="install record key",
                        quiet=True, exclusive=True, parent_mode=0o700)
        except RocError:
            return
    writer.plan(record_path(certificate_path), data, mode=0o600, sensitive=True, default_mode=0o600,
                label="install record", quiet=True)
