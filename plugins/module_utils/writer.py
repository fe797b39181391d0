# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one helper that writes files on the target.

A module plans every file it manages (:meth:`FileWriter.plan`), then commits them together
(:meth:`FileWriter.commit`):

* nothing is written before every file of the call has been prepared: a failure while preparing
  leaves the host untouched;
* each file is written to a temporary file in the destination folder, created with mode 0600, then
  given the requested owner, group, mode (and SELinux context) *before* its first byte, fsynced and
  renamed over the destination: a reader sees the old file or the new one, never a partial one;
* a replaced file is kept aside as ``<name>.<timestamp>~`` (a hard link to the old inode, so a key's
  backup never exists with a wider mode, not even for an instant) when ``backup`` is asked;
* the destination folders are locked (flock) for the call, so two runs on one host do not interleave;
* check mode predicts the changes and writes nothing; diffs never show key material.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import grp
import os
import pwd
import re
import tempfile
import time

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError

HIDDEN = "<secret material: not shown>"


def parse_mode(value, what="mode"):
    """'0600', '600', 0o600 (an int as YAML gives it) -> int; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.match(r"^0?[0-7]{3,4}$", text):
        return int(text, 8)
    raise RocError("%s: '%s' is not an octal mode such as '0640' (symbolic modes are not supported)" % (what, value))


def resolve_uid(owner):
    if owner is None or owner == "":
        return None
    if str(owner).isdigit():
        return int(owner)
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise RocError("owner: user '%s' does not exist on this host" % owner)


def resolve_gid(group):
    if group is None or group == "":
        return None
    if str(group).isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise RocError("group: group '%s' does not exist on this host" % group)


class _Planned(object):
    __slots__ = ("path", "content", "mode", "uid", "gid", "backup", "sensitive", "tmp", "old", "old_mode", "action",
                 "label", "validate", "quiet")

    def __init__(self):
        self.validate = None
        self.quiet = False


class FileWriter(object):
    """Plans, then commits, a set of files for one module call."""

    def __init__(self, module, lock_timeout=300):
        self.module = module
        self.check_mode = module.check_mode
        self.lock_timeout = lock_timeout
        self.planned = []
        self.changed = False
        self.diff = []
        self.backup_files = {}
        self.results = {}
        self._locks = {}
        self._applied = []
        self._pending_dirs = {}
        self._made_dirs = []

    # ------------------------------------------------------------------ folders and locks
    def ensure_dir(self, path, mode=0o755, owner=None, group=None):
        """Plan a missing folder (and parents) with mode/owner/group; an existing one is left as is. The
        folder is made at commit (or by make_dirs), after every check of the call has passed."""
        path = os.path.abspath(path)
        if os.path.isdir(path) or path in self._pending_dirs:
            return False
        if os.path.exists(path):
            raise RocError("%s exists and is not a folder" % path)
        parent = os.path.dirname(path)
        if parent != path and not os.path.isdir(parent):
            self.ensure_dir(parent, 0o755)
        self.changed = True
        self.diff.append({"before_header": path, "after_header": path,
                          "before": "(absent)\n", "after": "(folder, mode %04o)\n" % mode})
        self._pending_dirs[path] = (mode, owner, group)
        return True

    def make_dirs(self):
        """Create the planned folders now (parents first); nothing in check mode."""
        if self.check_mode:
            return
        for path in sorted(self._pending_dirs, key=len):
            mode, owner, group = self._pending_dirs[path]
            try:
                os.mkdir(path, 0o700)
                self._made_dirs.append(path)
                uid, gid = resolve_uid(owner), resolve_gid(group)
                if uid is not None or gid is not None:
                    os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)
                os.chmod(path, mode)
            except OSError as exc:
                self._remove_made_dirs()
                raise RocError("cannot create folder %s: %s" % (path, exc.strerror))
        self._pending_dirs = {}

    def _remove_made_dirs(self):
        """Folders this writer made, removed again when empty (after a failed commit)."""
        for path in sorted(self._made_dirs, key=len, reverse=True):
            try:
                os.rmdir(path)
            except OSError:
                pass
        self._made_dirs = []

    def lock(self, directory):
        directory = os.path.abspath(directory)
        if directory in self._locks or not os.path.isdir(directory):
            return
        fd = os.open(directory, os.O_RDONLY)
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

    def unlock(self):
        for fd in self._locks.values():
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        self._locks = {}

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

    # ------------------------------------------------------------------------------ plan
    def plan(self, path, content, mode=None, owner=None, group=None, backup=False, sensitive=False,
             same=None, default_mode=0o644, label=None, validate=None, quiet=False):
        """Declare that path must hold content. `same(old_bytes)` may say an old file is equivalent
        (an encrypted key with another salt, say). `validate(temp_path)` may refuse the new content (it
        raises RocError) after it is written to its temporary file and before any file of the call is
        renamed. A `quiet` file (a cache, such as the install record) is written like the others but its change
        is not reported (neither `changed` nor a diff) and is written after the others, at best: a folder that
        cannot take it (read-only, full) does not fail the call. Returns True when the file will change."""
        path = os.path.abspath(path)
        item = _Planned()
        item.validate = validate
        item.quiet = quiet
        item.path, item.content, item.backup, item.sensitive = path, content, backup, sensitive
        item.label = label or os.path.basename(path)
        item.uid, item.gid = self._ids(owner, group)
        item.tmp = None
        item.old = item.old_mode = None
        if os.path.isdir(path):
            raise RocError("%s: %s is a folder, not a file" % (item.label, path))
        if os.path.lexists(path):
            try:
                with open(path, "rb") as handle:
                    item.old = handle.read()
                item.old_mode = os.stat(path).st_mode & 0o7777
            except (IOError, OSError) as exc:
                raise RocError("%s: cannot read the existing %s (%s)" % (item.label, path, exc.strerror))
        wanted_mode = parse_mode(mode)
        if wanted_mode is None:
            wanted_mode = (os.stat(path).st_mode & 0o7777) if item.old is not None else default_mode
        item.mode = wanted_mode
        identical = item.old is not None and (item.old == content or (same is not None and same(item.old)))
        if identical:
            item.action = "attributes" if self._attributes_differ(item) else "none"
        else:
            item.action = "create" if item.old is None else "replace"
        if item.action != "none" and not quiet:
            self.changed = True
            self.diff.append(self._diff(item))
        self.planned.append(item)
        self.results[path] = item.action
        return item.action in ("create", "replace")

    def _attributes_differ(self, item):
        st = os.stat(item.path)
        return ((st.st_mode & 0o7777) != item.mode
                or (item.uid is not None and st.st_uid != item.uid)
                or (item.gid is not None and st.st_gid != item.gid))

    def _diff(self, item):
        def text(data):
            if data is None:
                return ""
            if item.sensitive:
                return HIDDEN + "\n"
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                return "<binary: %d bytes>\n" % len(data)
        if item.action == "attributes":
            st = os.stat(item.path)
            return {"before_header": item.path, "after_header": item.path,
                    "before": "mode %04o uid %d gid %d\n" % (st.st_mode & 0o7777, st.st_uid, st.st_gid),
                    "after": "mode %04o uid %s gid %s\n" % (
                        item.mode, st.st_uid if item.uid is None else item.uid,
                        st.st_gid if item.gid is None else item.gid)}
        return {"before_header": item.path, "after_header": item.path,
                "before": text(item.old), "after": text(item.content)}

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
            try:
                self.lock(os.path.dirname(item.path))
                self._remove_stale(item)
                self._stage(item)
                self._apply(item)
            except (RocError, IOError, OSError):
                pass  # a cache: the next call simply takes the full path
            finally:
                try:
                    if item.tmp and os.path.exists(item.tmp):
                        os.unlink(item.tmp)
                except OSError:
                    pass
                self.unlock()

    def _commit(self, todo):
        if not todo:
            return
        try:
            for directory in sorted(set(os.path.dirname(i.path) for i in todo)):
                self.lock(directory)
            for item in todo:
                if item.action in ("create", "replace"):
                    self._remove_stale(item)
                    self._stage(item)
            for item in todo:
                if item.tmp and item.validate is not None:
                    item.validate(item.tmp)
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
        except RocError:
            self._remove_made_dirs()
            raise
        finally:
            for item in todo:
                if item.tmp and os.path.exists(item.tmp):
                    os.unlink(item.tmp)
            self.unlock()

    @staticmethod
    def _remove_stale(item):
        """Temporary files of this destination left by a run that was killed before its rename. We hold
        the folder's lock, so no other esante.roc run is writing them."""
        directory, prefix = os.path.dirname(item.path), ".%s." % os.path.basename(item.path)
        for name in os.listdir(directory):
            if name.startswith(prefix) and name.endswith(".tmp"):
                try:
                    os.unlink(os.path.join(directory, name))
                except OSError:
                    pass

    def _stage(self, item):
        directory = os.path.dirname(item.path)
        try:
            fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(item.path), suffix=".tmp", dir=directory)
        except (IOError, OSError) as exc:
            raise RocError("%s: cannot write in %s (%s)" % (item.label, directory, exc.strerror))
        item.tmp = tmp
        try:
            # owner, group and mode before the first byte (mkstemp already made it 0600)
            if item.uid is not None or item.gid is not None:
                os.fchown(fd, -1 if item.uid is None else item.uid, -1 if item.gid is None else item.gid)
            elif item.old is not None:
                st = os.stat(item.path)
                os.fchown(fd, st.st_uid, st.st_gid)
            os.fchmod(fd, item.mode)
            self._selinux(tmp, item.path)
            view = memoryview(item.content)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except (IOError, OSError) as exc:
            raise RocError("%s: cannot write %s (%s)" % (item.label, item.path, exc.strerror or exc))
        finally:
            os.close(fd)

    def _selinux(self, tmp, path):
        try:
            if self.module.selinux_enabled():
                context = self.module.selinux_default_context(path)
                self.module.set_context_if_different(tmp, context, False)
        except Exception:  # SELinux tooling absent or policy unreadable: not fatal for the write
            pass

    def revert(self):
        """Put back every file this writer changed (after a failed follow-up step)."""
        self._roll_back(self._applied)
        self._applied = []
        self._remove_made_dirs()

    def _apply(self, item):
        if item.action == "remove":
            if item.backup:
                self._backup(item)
            os.unlink(item.path)
            self._fsync_dir(os.path.dirname(item.path))
            return
        if item.action == "attributes":
            if item.uid is not None or item.gid is not None:
                os.chown(item.path, -1 if item.uid is None else item.uid, -1 if item.gid is None else item.gid)
            os.chmod(item.path, item.mode)
            return
        if item.old is not None and item.backup:
            self._backup(item)
        try:
            os.rename(item.tmp, item.path)
        except (IOError, OSError):
            self._drop_backup(item)
            raise
        item.tmp = None
        self._fsync_dir(os.path.dirname(item.path))

    def _backup(self, item):
        """Keep the current file aside as <name>.<timestamp>~: a hard link, so it keeps the inode's
        mode and is never readable wider than the original, not even for an instant."""
        backup = "%s.%s~" % (item.path, time.strftime("%Y-%m-%d@%H:%M:%S"))
        if os.path.lexists(backup):
            backup = "%s.%d~" % (backup[:-1], os.getpid())
        os.link(item.path, backup)
        self.backup_files[item.path] = backup

    def _drop_backup(self, item):
        """The old file is (or is again) in place: its backup link is redundant."""
        backup = self.backup_files.pop(item.path, None)
        if backup:
            try:
                os.unlink(backup)
            except OSError:
                pass

    def _roll_back(self, done):
        for item in reversed(done):
            if item.action == "attributes":
                continue
            self._drop_backup(item)
            try:
                if item.old is None:
                    os.unlink(item.path)
                else:
                    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(item.path), suffix=".tmp",
                                               dir=os.path.dirname(item.path))
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(item.old)
                    os.chmod(tmp, item.old_mode if item.old_mode is not None else item.mode)
                    os.rename(tmp, item.path)
            except (IOError, OSError):
                pass

    @staticmethod
    def _fsync_dir(directory):
        try:
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass

    def plan_remove(self, path, backup=False, sensitive=False, label=None):
        """Plan the removal of path (kept aside as a backup only when asked). True when it exists."""
        path = os.path.abspath(path)
        if not os.path.lexists(path):
            self.results[path] = "none"
            return False
        item = _Planned()
        item.path, item.content, item.backup, item.sensitive = path, None, backup, sensitive
        item.label = label or os.path.basename(path)
        item.uid = item.gid = item.tmp = item.validate = None
        item.mode = item.old_mode = os.stat(path).st_mode & 0o7777
        with open(path, "rb") as handle:
            item.old = handle.read()
        item.action = "remove"
        self.changed = True
        self.diff.append({"before_header": path, "after_header": path,
                          "before": HIDDEN + "\n" if sensitive else item.old.decode("utf-8", "replace"),
                          "after": "(absent)\n"})
        self.planned.append(item)
        self.results[path] = "remove"
        return True
