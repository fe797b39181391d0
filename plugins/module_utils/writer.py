# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one helper that writes files on the target, and the one place that reaches a path on it.

A module plans every file it manages (:meth:`FileWriter.plan`), then commits them together
(:meth:`FileWriter.commit`):

* no link or special file is ever followed: every path is reached component by component from ``/``, each folder
  opened with ``O_NOFOLLOW`` relative to its parent (:func:`open_folder`); a symbolic link in any folder of the
  path, or a link, FIFO, socket, device or folder where a file is managed, or a file with other hard links, is
  refused with a message naming it, when planning (before anything is written); what it points to is never read,
  changed or shown;
* nothing is written before every file of the call has been prepared: a failure while preparing leaves the host
  untouched;
* each file is written to a temporary file in the destination folder (reached through the folder's descriptor),
  created with mode 0600, given the requested owner, group, mode (and SELinux context) *before* its first byte,
  fsynced and renamed over the destination: a reader sees the old file or the new one, never a partial one; the
  mode and owner of an unchanged file are set through its open descriptor, never by path;
* key material (decided by content: a private key in PEM or DER, a PKCS#12 or Java keystore holding a key, or
  ``sensitive`` given by the caller) is owned by the owner asked (else the module's user, root) and the group asked
  (else its group), with the mode asked (else 0600), whatever file stood there; a mode that lets other users
  read it is refused; its content is never in a diff;
* a replaced file is kept aside as ``<name>.<timestamp>~`` when ``backup`` is asked: a new file written like the
  others (owner and mode of the file asked, never wider), the newest ``keep_backups`` of a destination kept;
* the destination folders are locked (flock) for the call, so two runs on one host do not interleave;
* a put-back (a failed rename, :meth:`FileWriter.revert`) restores content, owner, group and mode, fsynced;
* check mode predicts the changes and writes nothing (every refusal above still happens).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import collections
import errno
import fcntl
import grp
import os
import pwd
import re
import stat
import struct
import time

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.der import der_header

HIDDEN = "<secret material: not shown>"
DEFAULT_KEEP_BACKUPS = 3
KEY_MODE = 0o600

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
_NEW_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC
NAME_MAX = 255
_TMP_ROOM = 230  # a temporary file's name is .<name>.<token>.tmp: room for NAME_MAX (255)
_TMP_TOKEN = re.compile(r"[A-Za-z0-9_]+\.tmp\Z")
_BACKUP_STAMP = r"\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}(?:\.\d+){0,2}~\Z"


def parse_mode(value, what="mode"):
    """'0600', '600', 0o600 (an int as YAML gives it) -> int; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RocError("%s: '%s' is not an octal mode such as '0640'" % (what, value))
    if isinstance(value, int):
        if not 0 <= value <= 0o7777:
            raise RocError("%s: %d is not a file mode (0 to 07777)" % (what, value))
        return value
    text = str(value).strip()
    if re.match(r"0?[0-7]{3,4}\Z", text):
        return int(text, 8)
    raise RocError("%s: '%s' is not an octal mode such as '0640' (symbolic modes are not supported)" % (what, value))


MAX_ID = 2 ** 32 - 2  # (uid_t)-1 means "unchanged" to chown
_NUMERIC_ID = re.compile(r"[0-9]+\Z")


def _resolve_id(value, what, kind, lookup):
    if value is None or value == "":
        return None
    text = str(value)
    if _NUMERIC_ID.match(text):  # ASCII digits only (str.isdigit takes other scripts' digits and superscripts)
        number = int(text)
        if number > MAX_ID:
            raise RocError("%s: %s is not a valid %s id (at most %d)" % (what, text, kind, MAX_ID))
        return number
    try:
        return lookup(text)
    except KeyError:
        raise RocError("%s: %s '%s' does not exist on this host" % (what, "user" if kind == "user" else "group", text))
    except (ValueError, TypeError, UnicodeError) as exc:  # a NUL byte, a lone surrogate
        shown = text.encode("ascii", "backslashreplace").decode()
        raise RocError("%s: '%s' is not a valid %s name (%s)" % (what, shown, kind, exc))


def resolve_uid(owner):
    return _resolve_id(owner, "owner", "user", lambda name: pwd.getpwnam(name).pw_uid)


def resolve_gid(group):
    return _resolve_id(group, "group", "group", lambda name: grp.getgrnam(name).gr_gid)


def check_key_file(st, path, what, owner=None, check_mode=False, remedy="remove it"):
    """RocError when a key file found at path (its lstat) may be known or replaced by others, so that it must not
    be adopted as it is: owned by another user than root, this module's user or the owner asked; or a mode that lets
    other users read it or lets its group or others write it (or setuid / setgid / sticky bits)."""
    path = os.path.abspath(path)
    try:
        trusted = set([0, os.geteuid(), resolve_uid(owner)])
    except RocError:
        if not check_mode:
            raise
        trusted = set([0, os.geteuid()])  # an owner an earlier task of the check run would create
    if st.st_uid not in trusted:
        raise RocError("%s: %s belongs to uid %d, not to root or the owner asked: another user made it or can replace "
                       "it, so its key is not adopted; %s" % (what, path, st.st_uid, remedy))
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o007:
        raise RocError("%s: %s has mode %04o: other users could read this key, so it is not adopted; %s"
                       % (what, path, mode, remedy))
    if mode & 0o7020:
        raise RocError("%s: %s has mode %04o: its group could replace this key (or it has setuid, setgid or sticky "
                       "bits), so it is not adopted; %s" % (what, path, mode, remedy))


# ------------------------------------------------------------------------------ key material, by content
_PEM_KEY = re.compile(br"-{4,5} ?BEGIN [A-Z0-9 ]*PRIVATE KEY|PuTTY-User-Key-File-")
# PKCS#12 SafeBag types of a key (keyBag, pkcs8ShroudedKeyBag): the bag's OID is in clear in the PFX
_KEY_BAGS = (binascii.unhexlify("060b2a864886f70d010c0a0101"), binascii.unhexlify("060b2a864886f70d010c0a0102"))
# algorithms of an EncryptedPrivateKeyInfo: PKCS#5 (PBES1, PBES2) and PKCS#12 PBE
_KEY_ENCRYPTIONS = (binascii.unhexlify("2a864886f70d0105"), binascii.unhexlify("2a864886f70d010c01"))
_JAVA_STORES = (b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce")  # JKS, JCEKS


def _der_holds_key(data):
    outer = der_header(data)
    if outer is None or outer[0] != 0x30:
        return False
    body = data[outer[1]:outer[1] + outer[2]]
    if body[:3] == b"\x02\x01\x03":  # a PKCS#12 PFX: with a key bag
        return any(bag in data for bag in _KEY_BAGS)
    if body[:4] in (b"\x02\x01\x00\x30", b"\x02\x01\x01\x30",  # PKCS#8 (v1, v2)
                    b"\x02\x01\x00\x02",  # PKCS#1 RSA, DSA
                    b"\x02\x01\x01\x04"):  # SEC1 EC
        return True
    inner = der_header(body)
    if inner is None or inner[0] != 0x30:
        return False
    oid = der_header(body, inner[1])
    if oid is None or oid[0] != 0x06:  # a certificate, a CSR, a CRL: not a key
        return False
    value = body[oid[1]:oid[1] + oid[2]]
    return any(value.startswith(prefix) for prefix in _KEY_ENCRYPTIONS)  # EncryptedPrivateKeyInfo


def _java_store_holds_key(data):
    """Whether a JKS / JCEKS store has an entry other than a trusted certificate (unreadable: assume it has)."""
    try:
        version, count = struct.unpack(">II", data[4:12])
        pos = 12
        for _index in range(count):
            tag = struct.unpack(">I", data[pos:pos + 4])[0]
            if tag != 2:
                return True
            pos += 4
            pos += 2 + struct.unpack(">H", data[pos:pos + 2])[0] + 8  # alias, date
            if version == 2:
                pos += 2 + struct.unpack(">H", data[pos:pos + 2])[0]  # certificate type
            pos += 4 + struct.unpack(">I", data[pos:pos + 4])[0]
            if pos > len(data):
                return True
        return False
    except struct.error:
        return True


def holds_key(data):
    """Whether these bytes hold private key material: a private key in PEM (any label: PRIVATE KEY, ENCRYPTED,
    RSA, EC, OPENSSH, PGP ... PRIVATE KEY BLOCK) or DER (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1), a PKCS#12 with
    a key bag, a Java keystore with a key entry."""
    if not data:
        return False
    if _PEM_KEY.search(data):
        return True
    if data[:4] in _JAVA_STORES:
        return _java_store_holds_key(data)
    return data[:1] == b"\x30" and _der_holds_key(data)


# ------------------------------------------------------------------------------- paths, never followed
def _kind(st):
    mode = st.st_mode
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISCHR, "a character device")):
        if test(mode):
            return name
    return "not a regular file"


def _refusal(what, path, st, managed=None):
    where = "" if managed in (None, path) else " (a folder on the way to %s)" % managed
    if stat.S_ISDIR(st.st_mode) and not where:
        return RocError("%s: %s is a folder, not a file" % (what, path))
    return RocError("%s: %s%s is %s: esante.roc never follows links nor reads or writes special files at the "
                    "paths it manages; remove it or give the real path" % (what, path, where, _kind(st)))


def _check_regular(st, path, what):
    if not stat.S_ISREG(st.st_mode):
        raise _refusal(what, path, st)
    if st.st_nlink > 1:
        raise RocError("%s: %s has %d hard links (another name shares this file): esante.roc does not read or write "
                       "a file shared with another path; remove the other links or give another path"
                       % (what, path, st.st_nlink))


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass


def open_folder(path, what="path", managed=None):
    """A descriptor of the folder `path`, reached from / one component at a time with O_NOFOLLOW (a symbolic link,
    or anything but a folder, anywhere on the way is refused, naming it), or None when a component is missing."""
    path = os.path.abspath(path)
    if "\x00" in path:
        raise RocError("%s: %r holds a NUL byte" % (what, path))
    fd = os.open("/", _DIR_FLAGS)
    walked = "/"
    try:
        for part in [p for p in path.split("/") if p]:
            walked = os.path.join(walked, part)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno == errno.ENOENT:
                    _close(fd)
                    return None
                try:
                    st = os.stat(part, dir_fd=fd, follow_symlinks=False)
                except OSError:
                    st = None
                if st is not None and stat.S_ISREG(st.st_mode):
                    raise RocError("%s: %s is a file, not a folder" % (what, walked))
                if st is not None and not stat.S_ISDIR(st.st_mode):
                    raise _refusal(what, walked, st, managed or path)
                raise RocError("%s: cannot open the folder %s (%s)" % (what, walked, exc.strerror or exc))
            _close(fd)
            fd = child
    except BaseException:
        _close(fd)
        raise
    return fd


def _lstat_at(dfd, name):
    try:
        return os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise


def _use_folder(folder, what, use, failing, managed=None):
    """use(descriptor) of the folder (reached as open_folder reaches it), closed afterwards; None when the folder
    is missing. An OSError of use is a RocError '<what>: cannot <failing> (<reason>)'."""
    fd = open_folder(folder, what, managed)
    if fd is None:
        return None
    try:
        return use(fd)
    except OSError as exc:
        raise RocError("%s: cannot %s (%s)" % (what, failing, exc.strerror or exc))
    finally:
        _close(fd)


def lstat(path, what="path"):
    """os.lstat of path, reached without following any link (a link in a folder on the way is refused), or None
    when it (or a folder on the way) does not exist."""
    path = os.path.abspath(path)
    directory, name = os.path.split(path)
    if not name:
        return os.lstat("/")
    return _use_folder(directory, what, lambda dfd: _lstat_at(dfd, name), "examine %s" % path, path)


def list_folder(path, what="folder"):
    """The names in the folder at path (reached without following any link), or None when it does not exist."""
    return _use_folder(path, what, os.listdir, "list %s" % path)


def remove_empty_folder(path, what="folder"):
    """Remove the folder at path when it is empty (rmdir through its parent's descriptor, reached without following
    any link). True when removed; a folder absent, not empty or unreachable is left as it is (False)."""
    parent, name = os.path.split(os.path.abspath(path))
    try:
        pfd = open_folder(parent, what, path)
    except RocError:
        return False
    if pfd is None:
        return False
    try:
        os.rmdir(name, dir_fd=pfd)
        return True
    except OSError:
        return False
    finally:
        _close(pfd)


def attributes_differ(st, mode, uid, gid):
    """Whether a file (its lstat) differs from the mode, uid and gid asked (None: not asked, left as it is): what
    the writer's plans decide, and config_files' action answers from on the controller."""
    return ((mode is not None and stat.S_IMODE(st.st_mode) != mode)
            or (uid is not None and st.st_uid != uid)
            or (gid is not None and st.st_gid != gid))


def regular_exists(path, what="path"):
    """True for a regular file, False when absent; anything else at path (or a link on the way) is refused."""
    st = lstat(path, what)
    if st is None:
        return False
    _check_regular(st, os.path.abspath(path), what)
    return True


def read_key_file(path, what, owner=None, check_mode=False, remedy="remove it"):
    """(bytes, os.stat_result) of a key file a module adopts as it is (reads, does not rewrite): read without
    following links (read_regular), then refused unless nobody else could know or replace it (check_key_file)."""
    data, st = read_regular(path, what)
    check_key_file(st, path, what, owner, check_mode, remedy)
    return data, st


def check_key_at(path, what, owner=None, check_mode=False, remedy="remove it"):
    """check_key_file() on what stands at path now, when it is a regular file (before a fast answer that would not
    read it; anything else there is refused by the read that follows)."""
    st = lstat(path, what)
    if st is not None and stat.S_ISREG(st.st_mode):
        check_key_file(st, path, what, owner, check_mode, remedy)


def _read_fd(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _read_at(dfd, name, path, what, missing_ok=False, want=None):
    """(bytes, fstat) of the regular file `name` of folder dfd, opened O_NOFOLLOW|O_NONBLOCK (a FIFO never hangs).
    `want`: the lstat it must still be (same inode)."""
    try:
        st = _lstat_at(dfd, name)
    except OSError as exc:  # a name too long for the file system, say
        raise RocError("%s: cannot examine %s (%s)" % (what, path, exc.strerror or exc))
    if st is None:
        if missing_ok:
            return None
        raise RocError("%s: cannot read %s (No such file or directory)" % (what, path))
    _check_regular(st, path, what)
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dfd)
    except OSError as exc:
        raise RocError("%s: cannot read %s (%s)" % (what, path, exc.strerror or exc))
    try:
        fst = os.fstat(fd)
        _check_regular(fst, path, what)
        if (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino) or (
                want is not None and (fst.st_dev, fst.st_ino) != (want.st_dev, want.st_ino)):
            raise RocError("%s: %s changed while esante.roc was reading it; run again" % (what, path))
        return _read_fd(fd), fst
    except (IOError, OSError) as exc:
        raise RocError("%s: cannot read %s (%s)" % (what, path, exc.strerror or exc))
    finally:
        _close(fd)


def read_regular(path, what="path", follow=False, missing_ok=False):
    """(bytes, os.stat_result) of the regular file at path; None when absent and missing_ok.

    Without `follow` (every path a module manages) no link is followed, in the folders of the path nor at its
    end, and a file with other hard links is refused. `follow` is for pure inputs the operator names (a CA file,
    a bundle to unpack): links are followed. Either way a FIFO, socket, device or folder is refused (never read:
    opened non-blocking, it cannot hang the module)."""
    path = os.path.abspath(path)
    if "\x00" in path:
        raise RocError("%s: %r holds a NUL byte" % (what, path))
    if follow:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
        except OSError as exc:
            if exc.errno == errno.ENOENT and missing_ok:
                return None
            raise RocError("%s: cannot read %s (%s)" % (what, path, exc.strerror or exc))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise RocError("%s: %s is %s, not a regular file: esante.roc does not read it" % (what, path, _kind(st)))
            return _read_fd(fd), st
        except (IOError, OSError) as exc:
            raise RocError("%s: cannot read %s (%s)" % (what, path, exc.strerror or exc))
        finally:
            _close(fd)
    directory, name = os.path.split(path)
    if not name:
        raise RocError("%s: %s is a folder, not a file" % (what, path))
    dfd = open_folder(directory, what, path)
    if dfd is None:
        if missing_ok:
            return None
        raise RocError("%s: cannot read %s (No such file or directory)" % (what, path))
    try:
        return _read_at(dfd, name, path, what, missing_ok)
    finally:
        _close(dfd)


class _CreateFailed(OSError):
    """The temporary file could not be created (the folder takes no new file)."""


def _fsync_fd(fd):
    try:
        os.fsync(fd)
    except OSError:
        pass


def _new_file(dfd, name, data, uid, gid, mode, selinux=None):
    """A new temporary file in folder dfd (O_EXCL, O_NOFOLLOW, 0600), given owner, group and mode through its
    descriptor before its first byte, written and fsynced. Returns its name."""
    prefix = ".%s." % name[:_TMP_ROOM]
    while True:
        tmp = "%s%s.tmp" % (prefix, binascii.hexlify(os.urandom(6)).decode("ascii"))
        try:
            fd = os.open(tmp, _NEW_FLAGS, 0o600, dir_fd=dfd)
            break
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise _CreateFailed(exc.errno, exc.strerror)
    try:
        try:
            if uid is not None or gid is not None:
                os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
            os.fchmod(fd, mode)
            if selinux is not None:
                selinux(tmp)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dfd)
        except OSError:
            pass
        raise
    return tmp


def backup_pattern(name):
    """The names of the backups this writer makes of the file `name` (<name>.<timestamp>~, <name>.<timestamp>.<n>~)."""
    return re.compile(re.escape(name) + _BACKUP_STAMP)


# where a planned file goes: its absolute path, folder, name, and the label its messages give
_Target = collections.namedtuple("_Target", "path directory name label")


class _Planned(object):
    """One file of a call, built whole when it is planned: where it goes (a _Target), what was asked, what the
    writer found there (`found`: old content, its lstat, the folder's identity) and decided (`decided`: secret,
    uid, gid, mode, action); only its commit state (temporary file, backup name) changes afterwards."""
    __slots__ = ("path", "directory", "name", "label", "content", "backup", "keep", "validate", "quiet", "exclusive",
                 "parent_mode", "shown", "old", "old_st", "dir_id", "secret", "uid", "gid", "mode", "action", "tmp",
                 "backup_name")

    def __init__(self, target, found, decided, content=None, backup=False, keep=0, validate=None, quiet=False,
                 exclusive=False, parent_mode=None, shown=None):
        self.path, self.directory, self.name, self.label = target
        # asked
        self.content, self.backup, self.keep, self.validate = content, backup, keep, validate
        self.quiet, self.exclusive, self.parent_mode, self.shown = quiet, exclusive, parent_mode, shown
        # found and decided by the writer
        self.old, self.old_st, self.dir_id = found
        self.secret, self.uid, self.gid, self.mode, self.action = decided
        # commit state
        self.tmp = self.backup_name = None


class FileWriter(object):
    """Plans, then commits, a set of files for one module call."""

    def __init__(self, module, lock_timeout=300):
        self.module = module
        self.check_mode = module.check_mode
        self.lock_timeout = lock_timeout
        params = getattr(module, "params", None) or {}
        keep = params.get("keep_backups")
        self.keep_backups = 0 if keep is None else keep
        self.planned = []
        self.changed = False
        self.changes = 0  # changes decided so far (files, folders, predictions): a caller's part is told by its count
        self.diff = []
        self.backup_files = {}
        self.results = {}
        self._locks = {}
        self._applied = []
        self._pending_dirs = {}
        self._made_dirs = []
        self._staged = set()
        self._paths = {}

    def _claim(self, path, label):
        """A destination is planned once per call: the same path given for two files (chain_path and
        fullchain_path, two items...) would leave one of them silently lost. Refused, naming both, before anything
        is written."""
        other = self._paths.get(path)
        if other is not None:
            raise RocError("%s: %s is also where %s goes: two files of this call at one path; give each its own path"
                           % (label or os.path.basename(path), path, other))
        self._paths[path] = label or os.path.basename(path)

    def _target(self, path, label):
        """Where a planned file goes (_Target), after the checks every plan makes: a file name (not a folder's),
        not longer than a file name can be, and a path planned once in the call (_claim)."""
        path = os.path.abspath(path)
        directory, name = os.path.split(path)
        label = label or name
        if not name:
            raise RocError("%s: %s is a folder, not a file" % (label, path))
        size = len(name.encode("utf-8", "surrogateescape"))
        if size > NAME_MAX:
            raise RocError("%s: the file name of %s is %d bytes long, more than a file name can be (%d)"
                           % (label, path, size, NAME_MAX))
        self._claim(path, label)
        return _Target(path, directory, name, label)

    # ------------------------------------------------------------------ folders and locks
    def ensure_dir(self, path, mode=0o755, owner=None, group=None):
        """Plan a missing folder (and parents) with mode/owner/group; an existing one is left as is (a link or
        anything but a folder there, or in a folder above, is refused). The folder is made at commit (or by
        make_dirs), after every check of the call has passed."""
        path = os.path.abspath(path)
        if path in self._pending_dirs:
            return False
        st = lstat(path, "folder")
        if st is not None:
            if stat.S_ISDIR(st.st_mode):
                return False
            if stat.S_ISREG(st.st_mode):
                raise RocError("%s exists and is not a folder" % path)
            raise _refusal("folder", path, st)
        parent = os.path.dirname(path)
        if parent != path and lstat(parent, "folder") is None:
            self.ensure_dir(parent, 0o755)
        self._mark_change()
        self.diff.append({"before_header": path, "after_header": path,
                          "before": "(absent)\n", "after": "(folder, mode %04o)\n" % mode})
        self._pending_dirs[path] = (mode, owner, group)
        return True

    def _mark_change(self):
        self.changed = True
        self.changes += 1

    def predict(self, path, after, before=""):
        """Check mode only: a change the real run would make, told without making its content (a key not yet
        generated, a keystore from files an earlier task installs, keytool's work). Nothing is planned; the call
        reports changed with `after` (a description, never material) in its diff."""
        if not self.check_mode:
            raise RocError("%s: a change can be predicted only in check mode" % path)
        self._mark_change()
        self.diff.append({"before_header": path, "after_header": path, "before": before, "after": after})

    def make_dirs(self):
        """Create the planned folders now (parents first); nothing in check mode."""
        if self.check_mode:
            return
        for path in sorted(self._pending_dirs, key=len):
            mode, owner, group = self._pending_dirs[path]
            try:
                self._mkdir(path, mode, resolve_uid(owner), resolve_gid(group))
            except (IOError, OSError) as exc:
                self._remove_made_dirs()
                raise RocError("cannot create folder %s: %s" % (path, exc.strerror or exc))
            except RocError:
                self._remove_made_dirs()
                raise
        self._pending_dirs = {}

    def _mkdir(self, path, mode, uid=None, gid=None):
        """mkdir relative to the parent's descriptor (0700), then owner and mode through the new folder's own
        descriptor (O_NOFOLLOW). A folder that appeared since the plan is refused, never adopted."""
        parent, name = os.path.split(path)
        pfd = open_folder(parent, "folder", path)
        if pfd is None:
            raise RocError("cannot create folder %s: its parent %s is missing" % (path, parent))
        try:
            try:
                os.mkdir(name, 0o700, dir_fd=pfd)
            except OSError as exc:
                if exc.errno != errno.EEXIST:
                    raise
                self._adopt_dir(pfd, name, path)  # made meanwhile by another run of ours
                return
            self._made_dirs.append(path)
            fd = os.open(name, _DIR_FLAGS, dir_fd=pfd)
            try:
                if uid is not None or gid is not None:
                    os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
            _fsync_fd(pfd)
        finally:
            _close(pfd)

    @staticmethod
    def _adopt_dir(pfd, name, path):
        """A folder that appeared between the plan and the commit is used only when it is a real folder of this
        module's user (another esante.roc run made it), never otherwise."""
        st = _lstat_at(pfd, name)
        if st is None or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
            raise RocError("cannot create folder %s: something else appeared there during this run (%s); nothing "
                           "was written" % (path, "absent" if st is None else _kind(st)))

    def _remove_made_dirs(self):
        """Folders this writer made, removed again when empty (after a failed commit)."""
        for path in sorted(self._made_dirs, key=len, reverse=True):
            remove_empty_folder(path)
        self._made_dirs = []

    def lock(self, directory):
        """Lock the folder (flock on its descriptor, reached without following links); its descriptor is the one
        every write of the call in that folder goes through. A missing folder is not locked."""
        directory = os.path.abspath(directory)
        if directory in self._locks:
            return self._locks[directory]
        fd = open_folder(directory, "folder")
        if fd is None:
            return None
        deadline = time.time() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.time() > deadline:
                    os.close(fd)
                    raise RocError("cannot lock %s: another esante.roc run holds it (%s)" % (directory, exc))
                time.sleep(0.1)
        self._locks[directory] = fd
        return fd

    def unlock(self):
        for fd in self._locks.values():
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            except (IOError, OSError):
                pass
            finally:
                _close(fd)
        self._locks = {}

    def _folder(self, item):
        """The locked descriptor of item's folder (the same folder as when planned)."""
        fd = self._locks.get(item.directory)
        if fd is None:
            raise RocError("%s: cannot write in %s (No such file or directory)" % (item.label, item.directory))
        if item.dir_id is not None:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != item.dir_id:
                raise RocError("%s: the folder %s was replaced during this run; nothing was written, run again"
                               % (item.label, item.directory))
        return fd

    def _ids(self, owner, group):
        """uid and gid; in check mode an owner or group that an earlier task of the run would create
        (the preflight role makes the key group) is a warning, not a failure."""
        try:
            return resolve_uid(owner), resolve_gid(group)
        except RocError as exc:
            if not self.check_mode:
                raise
            self.module.warn("check mode: %s (an earlier task may create it)" % exc)
            return None, None

    @staticmethod
    def _existing(target):
        """What stands at the target now: (bytes, lstat, (st_dev, st_ino) of its folder), None for what is absent;
        refuses anything but a regular file with one link, and links in its folders, naming them."""
        dfd = open_folder(target.directory, target.label, target.path)
        if dfd is None:
            return None, None, None
        try:
            dir_id = tuple(os.fstat(dfd)[i] for i in (stat.ST_DEV, stat.ST_INO))
            found = _read_at(dfd, target.name, target.path, target.label, missing_ok=True)
        finally:
            _close(dfd)
        old, old_st = found if found is not None else (None, None)
        return old, old_st, dir_id

    # ------------------------------------------------------------------------------ plan
    def plan(self, path, content, mode=None, owner=None, group=None, backup=False, sensitive=False,
             same=None, default_mode=0o644, label=None, validate=None, quiet=False, keep_backups=None,
             exclusive=False, parent_mode=None, shown=None):
        """Declare that path must hold content. `shown` (before, after) is what its diff tells instead of the
        content (a binary store told by its entries). `same(old_bytes)` may say an old file is equivalent
        (an encrypted key with another salt, say). `validate(temp_path)` may refuse the new content (it
        raises RocError) after it is written to its temporary file and before any file of the call is
        renamed. A `quiet` file (a cache, such as the install record) is written like the others but its change
        is not reported (neither `changed` nor a diff) and is written after the others, at best: a folder that
        cannot take it (read-only, full) does not fail the call; with `parent_mode` its missing folder is made
        then, and an `exclusive` one never replaces a file that appeared meanwhile. Returns True when the file will
        change."""
        target = self._target(path, label)
        path, label = target.path, target.label
        keep = self.keep_backups if keep_backups is None else keep_backups
        if keep < 0:
            raise RocError("keep_backups: %d is negative (0 keeps every backup)" % keep)
        uid, gid = self._ids(owner, group)
        found = self._existing(target)
        old, old_st = found[:2]
        secret = bool(sensitive or holds_key(content) or holds_key(old))
        wanted = parse_mode(mode)
        if secret:
            # key material: root's (or the owner asked), with the mode asked (else 0600), whatever stood there
            if wanted is not None and wanted & 0o007:
                raise RocError("%s: mode %04o would let other users read the key material in %s; ask 0600 (or 0640 "
                               "with group)" % (label, wanted, path))
            if wanted is not None and wanted & 0o7020:
                raise RocError("%s: mode %04o would let the group write the key material in %s, or gives it setuid, "
                               "setgid or sticky bits; ask 0600 (or 0640 with group)" % (label, wanted, path))
            if wanted is None:
                wanted = default_mode if not default_mode & 0o077 else KEY_MODE
            uid = os.geteuid() if uid is None else uid
            gid = os.getegid() if gid is None else gid
        elif wanted is None:
            wanted = stat.S_IMODE(old_st.st_mode) if old_st is not None else default_mode
        if old is not None and (old == content or (same is not None and same(old))):
            action = "attributes" if attributes_differ(old_st, wanted, uid, gid) else "none"
        else:
            action = "create" if old is None else "replace"
        item = _Planned(target, found, (secret, uid, gid, wanted, action), content=content, backup=backup,
                        keep=keep, validate=validate, quiet=quiet, exclusive=exclusive, parent_mode=parent_mode,
                        shown=shown)
        if action != "none" and not quiet:
            self._mark_change()
            self.diff.append(self._diff(item))
        self.planned.append(item)
        self.results[path] = action
        return action in ("create", "replace")

    @staticmethod
    def _shown(item, data):
        if data is None:
            return ""
        if item.secret:
            return HIDDEN + "\n"
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return "<binary: %d bytes>\n" % len(data)

    def _diff(self, item):
        if item.action == "attributes":
            st = item.old_st
            return {"before_header": item.path, "after_header": item.path,
                    "before": "mode %04o uid %d gid %d\n" % (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid),
                    "after": "mode %04o uid %s gid %s\n" % (
                        item.mode, st.st_uid if item.uid is None else item.uid,
                        st.st_gid if item.gid is None else item.gid)}
        if item.shown is not None and not item.secret:
            return {"before_header": item.path, "after_header": item.path, "before": item.shown[0],
                    "after": item.shown[1]}
        return {"before_header": item.path, "after_header": item.path,
                "before": self._shown(item, item.old), "after": self._shown(item, item.content)}

    def plan_remove(self, path, backup=False, sensitive=False, label=None):
        """Plan the removal of path (kept aside as a backup only when asked: key material as 0600, owned by the
        module's user). True when it exists. A link or special file there is refused, never removed."""
        target = self._target(path, label)
        found = self._existing(target)
        old, old_st = found[:2]
        if old is None:
            self.results[target.path] = "none"
            return False
        secret = bool(sensitive or holds_key(old))
        if secret:
            mode, uid, gid = KEY_MODE, os.geteuid(), os.getegid()
        else:
            mode, uid, gid = stat.S_IMODE(old_st.st_mode), old_st.st_uid, old_st.st_gid
        item = _Planned(target, found, (secret, uid, gid, mode, "remove"), backup=backup)
        self._mark_change()
        self.diff.append({"before_header": target.path, "after_header": target.path,
                          "before": self._shown(item, old), "after": "(absent)\n"})
        self.planned.append(item)
        self.results[target.path] = "remove"
        return True

    # ---------------------------------------------------------------------------- commit
    def commit(self):
        """Write every planned change; all or nothing as far as the filesystem allows. Quiet files (caches)
        afterwards, at best."""
        todo = [i for i in self.planned if i.action != "none" and not i.quiet]
        if self.check_mode:
            return self.changed
        self.make_dirs()
        self._commit(todo)
        self._write_quiet([i for i in self.planned if i.action != "none" and i.quiet])
        return self.changed

    def _write_quiet(self, items):
        for item in items:
            made = len(self._made_dirs)
            try:
                if item.parent_mode is not None and lstat(item.directory, item.label) is None:
                    self._mkdir(item.directory, item.parent_mode)
                if self.lock(item.directory) is None:
                    continue
                self._remove_stale([item])
                self._stage(item)
                self._apply(item)
            except (RocError, IOError, OSError):
                pass  # a cache: the next call simply takes the full path
            finally:
                self._drop_temps([item])
                del self._made_dirs[made:]  # a cache's folder stays
                self.unlock()

    def _commit(self, todo):
        if not todo:
            return
        try:
            for directory in sorted(set(i.directory for i in todo)):
                self.lock(directory)
            self._remove_stale(todo)
            for item in todo:
                if item.action in ("create", "replace"):
                    self._stage(item)
            for item in todo:
                if item.tmp and item.validate is not None:
                    item.validate(os.path.join(item.directory, item.tmp))
            done = self._applied
            try:
                for item in todo:
                    self._apply(item)
                    done.append(item)
            except (IOError, OSError) as exc:
                self._roll_back(done)
                self._applied = []
                self._remove_made_dirs()
                raise RocError("writing %s failed, earlier files of this call were put back: %s" % (
                    item.path, exc.strerror or exc))
            for item in todo:
                self._prune(item)
        except RocError:
            self._remove_made_dirs()
            raise
        finally:
            self._drop_temps(todo)
            self.unlock()

    def _drop_temps(self, items):
        for item in items:
            if item.tmp:
                fd = self._locks.get(item.directory)
                try:
                    if fd is not None:
                        os.unlink(item.tmp, dir_fd=fd)
                except OSError:
                    pass
                self._staged.discard((item.directory, item.tmp))
                item.tmp = None

    def _remove_stale(self, items):
        """Temporary files of these destinations left by a run that was killed before its rename. We hold
        the folder's lock, so no other esante.roc run is writing them."""
        for directory in set(i.directory for i in items):
            fd = self._locks.get(directory)
            if fd is None:
                continue
            prefixes = [".%s." % i.name[:_TMP_ROOM] for i in items if i.directory == directory]
            try:
                names = os.listdir(fd)
            except OSError:
                continue
            for name in names:
                if (directory, name) in self._staged:
                    continue
                for prefix in prefixes:
                    if name.startswith(prefix) and _TMP_TOKEN.match(name[len(prefix):]):
                        try:
                            os.unlink(name, dir_fd=fd)
                        except OSError:
                            pass
                        break

    def _selinux(self, directory, path):
        def label(tmp):
            try:
                if self.module.selinux_enabled():
                    context = self.module.selinux_default_context(path)
                    self.module.set_context_if_different(os.path.join(directory, tmp), context, False)
            except Exception:  # SELinux tooling absent or policy unreadable: not fatal for the write
                pass
        return label

    def _owner_of(self, item):
        """(uid, gid) a new file of item gets: the ones asked (key material: always set), else the old file's."""
        if item.uid is not None or item.gid is not None or item.old_st is None:
            return item.uid, item.gid
        return item.old_st.st_uid, item.old_st.st_gid

    def _stage(self, item):
        dfd = self._folder(item)
        uid, gid = self._owner_of(item)
        try:
            item.tmp = _new_file(dfd, item.name, item.content, uid, gid, item.mode,
                                 self._selinux(item.directory, item.path))
            self._staged.add((item.directory, item.tmp))
        except _CreateFailed as exc:
            raise RocError("%s: cannot write in %s (%s)" % (item.label, item.directory, exc.strerror or exc))
        except (IOError, OSError) as exc:
            raise RocError("%s: cannot write %s (%s)" % (item.label, item.path, exc.strerror or exc))

    def revert(self):
        """Put back every file this writer changed (after a failed follow-up step)."""
        try:
            for directory in sorted(set(i.directory for i in self._applied)):
                try:
                    self.lock(directory)
                except RocError:
                    pass
            self._roll_back(self._applied)
        finally:
            self.unlock()
        self._applied = []
        self._remove_made_dirs()

    def _apply(self, item):
        dfd = self._folder(item)
        if item.action == "remove":
            if item.backup:
                self._backup(item, dfd)
            os.unlink(item.name, dir_fd=dfd)
            _fsync_fd(dfd)
            return
        if item.action == "attributes":
            self._set_attributes(dfd, item, item.uid, item.gid, item.mode)
            return
        if item.old is not None and item.backup:
            self._backup(item, dfd)
        try:
            if item.exclusive:
                os.link(item.tmp, item.name, src_dir_fd=dfd, dst_dir_fd=dfd, follow_symlinks=False)
                os.unlink(item.tmp, dir_fd=dfd)
            else:
                os.rename(item.tmp, item.name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except (IOError, OSError):
            self._drop_backup(item)
            raise
        self._staged.discard((item.directory, item.tmp))
        item.tmp = None
        _fsync_fd(dfd)

    @staticmethod
    def _set_attributes(dfd, item, uid, gid, mode):
        """Owner, group and mode of the planned (unchanged) file, through its own descriptor (O_NOFOLLOW, the same
        inode as planned)."""
        fd = os.open(item.name, _READ_FLAGS, dir_fd=dfd)
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != (item.old_st.st_dev, item.old_st.st_ino) or not stat.S_ISREG(st.st_mode):
                raise OSError(errno.ESTALE, "%s changed during this run" % item.path)
            if uid is not None or gid is not None:
                os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _backup(self, item, dfd):
        """Keep the old content aside as <name>.<timestamp>~: a new file, written like the others (owner, group and
        mode of the file asked: never wider than asked, not even for an instant), linked in under a name that
        does not exist yet."""
        uid, gid = self._owner_of(item)
        tmp = _new_file(dfd, item.name, item.old, uid, gid, item.mode, self._selinux(item.directory, item.path))
        try:
            stamp = time.strftime("%Y-%m-%d@%H:%M:%S")
            candidates = ["%s.%s~" % (item.name, stamp), "%s.%s.%d~" % (item.name, stamp, os.getpid())]
            candidates += ["%s.%s.%d.%d~" % (item.name, stamp, os.getpid(), n) for n in range(1, 100)]
            for name in candidates:
                try:
                    os.link(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd, follow_symlinks=False)
                except OSError as exc:
                    if exc.errno == errno.EEXIST:
                        continue
                    raise
                item.backup_name = name
                self.backup_files[item.path] = os.path.join(item.directory, name)
                break
            else:
                raise OSError(errno.EEXIST, "no free backup name", item.path)
        finally:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass

    def _drop_backup(self, item):
        """The old file is (or is again) in place: its backup is redundant."""
        self.backup_files.pop(item.path, None)
        name, item.backup_name = item.backup_name, None
        fd = self._locks.get(item.directory)
        if name and fd is not None:
            try:
                os.unlink(name, dir_fd=fd)
            except OSError:
                pass

    def _prune(self, item):
        """The newest `keep` backups of this destination kept (the one just made included), older ones removed:
        regular files named as this writer names the backups of this exact file, nothing else."""
        if not item.backup_name or not item.keep:
            return
        fd = self._locks.get(item.directory)
        if fd is None:
            return
        pattern = backup_pattern(item.name)
        found = []
        try:
            for name in os.listdir(fd):
                if not pattern.match(name):
                    continue
                st = _lstat_at(fd, name)
                if st is not None and stat.S_ISREG(st.st_mode):
                    found.append((name[len(item.name):len(item.name) + 20], st.st_mtime, name))
        except OSError:
            return
        for _stamp, _mtime, name in sorted(found)[:-item.keep]:
            if name == item.backup_name:
                continue
            try:
                os.unlink(name, dir_fd=fd)
            except OSError:
                pass
        _fsync_fd(fd)

    def _roll_back(self, done):
        """Every applied change undone: content, uid, gid and mode of the old file back, fsynced, in one rename."""
        for item in reversed(done):
            fd = self._locks.get(item.directory)
            if fd is None:
                continue
            try:
                if item.action == "attributes":
                    st = item.old_st
                    self._set_attributes(fd, item, st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode))
                    continue
                self._drop_backup(item)
                if item.old is None:
                    os.unlink(item.name, dir_fd=fd)
                else:
                    st = item.old_st
                    tmp = _new_file(fd, item.name, item.old, st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode),
                                    self._selinux(item.directory, item.path))
                    try:
                        os.rename(tmp, item.name, src_dir_fd=fd, dst_dir_fd=fd)
                    except OSError:
                        os.unlink(tmp, dir_fd=fd)
                        raise
                _fsync_fd(fd)
            except (IOError, OSError):
                pass
