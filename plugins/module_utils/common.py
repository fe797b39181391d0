# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every esante.roc module shares: the file options and the way a module runs and fails."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_crypto import require_cryptography
from ansible_collections.esante.roc.plugins.module_utils.writer import HIDDEN, FileWriter, holds_key

FILE_OPTIONS = dict(
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw"),
    backup=dict(type="bool", default=True),
    keep_backups=dict(type="int", default=3),
)


def key_dir_mode(group):
    """Folders created to hold keys: 0750 when a dedicated group reads them, else 0700."""
    return 0o750 if group else 0o700


def ensure_parent(writer, path, sensitive, owner=None, group=None):
    directory = os.path.dirname(os.path.abspath(path))
    mode = key_dir_mode(group) if sensitive else 0o755
    return writer.ensure_dir(directory, mode=mode, owner=owner if sensitive else None,
                             group=group if sensitive else None)


_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]{64,}\Z")


def _holds_key_text(value):
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeError:  # a lone surrogate (refused by check_arguments, still looked at here)
        data = value.encode("utf-8", "surrogatepass")
    if holds_key(data):
        return True
    if _BASE64.match(value):  # a DER key or keystore given as base64
        try:
            return holds_key(base64.b64decode("".join(value.split())))
        except (binascii.Error, ValueError):
            return False
    return False


def redacted(value):
    """The module's arguments as its result echoes them (`invocation`): any string holding key material, whatever
    the option (a key pasted in a configuration file's content, given as an anchor...), is replaced by HIDDEN."""
    if isinstance(value, dict):
        return dict((k, redacted(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [redacted(v) for v in value]
    if isinstance(value, str) and _holds_key_text(value):
        return HIDDEN
    return value


NOT_AN_OPTION = "<not shown: not an option of this module>"


def _aliases(spec):
    names = {}
    for name, option in (spec or {}).items():
        names[name] = name
        for alias in option.get("aliases") or ():
            names[alias] = name
    return names


def safe_arguments(params, spec):
    """The arguments as a result may echo them: an option marked no_log, or one the module does not know (a
    misspelled passphrase...), is never shown; suboptions are judged by their own spec; any other string holding
    key material is replaced by HIDDEN (decided by content)."""
    if not isinstance(params, dict):
        return redacted(params)
    names = _aliases(spec)
    shown = {}
    for key, value in params.items():
        option = (spec or {}).get(names.get(key, ""), None)
        if option is None:
            shown[key] = NOT_AN_OPTION if value is not None else None
        elif option.get("no_log") and value is not None:
            shown[key] = HIDDEN
        elif option.get("options") and isinstance(value, dict):
            shown[key] = safe_arguments(value, option["options"])
        elif option.get("options") and isinstance(value, (list, tuple)):
            shown[key] = [safe_arguments(v, option["options"]) for v in value]
        else:
            shown[key] = redacted(value)
    return shown


class RocModule(AnsibleModule):
    """The AnsibleModule of every esante.roc module. Nothing of an invocation is logged on the target (syslog,
    journal): the arguments carry passphrases, keys and configuration files that hold secrets, and
    AnsibleModule's own log shows every option not marked no_log, whatever its content (the controller's
    ``_ansible_no_log`` does not turn it back on). A failure of AnsibleModule's own argument checks (a wrong type,
    an unknown option) echoes the arguments as safe_arguments() shows them."""

    def __init__(self, *args, **kwargs):
        kwargs["no_log"] = True
        super(RocModule, self).__init__(*args, **kwargs)

    def _set_internal_properties(self, *args, **kwargs):
        super(RocModule, self)._set_internal_properties(*args, **kwargs)
        self.no_log = True  # _ansible_no_log=false from the controller would log the invocation

    def _log_invocation(self):
        """Never: see the class."""

    def _shown_arguments(self):
        return {"module_args": safe_arguments(getattr(self, "params", None) or {}, self.argument_spec)}

    def fail_json(self, msg, **kwargs):
        kwargs.setdefault("invocation", self._shown_arguments())
        super(RocModule, self).fail_json(msg=redacted(msg) if isinstance(msg, str) else msg, **kwargs)

    def exit_json(self, **kwargs):
        kwargs.setdefault("invocation", self._shown_arguments())
        super(RocModule, self).exit_json(**kwargs)


def new_module(argument_spec, **kwargs):
    """The module object of an esante.roc module (see RocModule)."""
    return RocModule(argument_spec=argument_spec, **kwargs)


# ------------------------------------------------------------------------ arguments checked before any work
NAME_MAX = 255


def _bad_text(value, path_option):
    """Why a string argument cannot be used, or None: a NUL byte (a C string ends there: the path or secret used
    would not be the one given), a lone surrogate (not Unicode: it cannot be encoded; a path may carry the
    surrogate escapes of non-UTF-8 bytes)."""
    if "\x00" in value:
        return "holds a NUL byte"
    try:
        value.encode("utf-8", "surrogateescape" if path_option else "strict")
    except UnicodeError:
        return "holds a character that is not valid Unicode (a lone surrogate)"
    return None


def _check_text(value, option, where):
    if isinstance(value, dict):
        names = _aliases(option.get("options")) if option else {}
        for key, item in value.items():
            sub = (option.get("options") or {}).get(names.get(key, ""), None) if option else None
            _check_text(item, sub, "%s.%s" % (where, key) if where else key)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_text(item, option, "%s[%d]" % (where, index))
    elif isinstance(value, str):
        is_path = bool(option and "path" in (option.get("type"), option.get("elements")))
        problem = _bad_text(value, is_path)
        if problem:
            raise RocError("%s: %s" % (where, problem))
        if is_path:
            for part in value.split("/"):
                if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX:
                    raise RocError("%s: the name '%s...' in the path is %d bytes long, more than a file name can be "
                                   "(%d)" % (where, part[:40], len(part.encode("utf-8", "surrogateescape")), NAME_MAX))


def check_arguments(module):
    """Every string argument usable: no NUL byte, no lone surrogate, no path component longer than a file name
    may be (RocError naming the option)."""
    spec = getattr(module, "argument_spec", None) or {}
    names = _aliases(spec)
    for key, value in (module.params or {}).items():
        option = spec.get(names.get(key, ""), None)
        if option is not None and option.get("options"):
            if isinstance(value, dict):
                _check_text(value, option, key)
                continue
            if isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    _check_text(item, option, "%s[%d]" % (key, index))
                continue
        _check_text(value, option, key)


def run(module, body, needs_cryptography=True):
    """Run body(module) -> result dict; a RocError becomes a clean failure (nothing half-written). A module
    that must work without cryptography (it reports its absence, or writes plain text) says so. The arguments the
    result echoes never hold key material (decided by content). Any other exception is a failure too, naming its
    type and message (secrets removed), never a traceback."""
    invocation = {"module_args": safe_arguments(module.params, getattr(module, "argument_spec", None))}
    if needs_cryptography:
        require_cryptography(module)
    try:
        check_arguments(module)
        result = body(module)
    except RocError as exc:
        module.fail_json(msg=str(exc), invocation=invocation)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg=unexpected(exc), invocation=invocation, exception="")
    result.setdefault("invocation", invocation)
    module.exit_json(**result)


def unexpected(exc):
    """The message of an exception no check foresaw: its type and text, key material hidden (no traceback)."""
    try:
        text = str(exc)
    except Exception:  # pylint: disable=broad-except
        text = repr(exc)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "unexpected error (%s): %s" % (type(exc).__name__, redacted(text) if text else "no message")


def writer_result(writer):
    result = {"changed": writer.changed, "backup_files": writer.backup_files}
    if writer.module._diff:
        result["diff"] = writer.diff
    return result


# ------------------------------------------------------------------------------- items (batching)
def with_items(spec, names):
    """(argument spec, required per-item options): `spec` plus an `items` list whose elements take the
    options `names` (optional there, without defaults: an option left out of an item takes the top-level
    value). One execution then does the work of a loop, for one round trip per host."""
    top = {}
    for key, option in spec.items():
        option = dict(option)
        if key in names:
            option.pop("required", None)
        top[key] = option
    suboptions = {}
    for name in names:
        option = dict(spec[name])
        option.pop("required", None)
        option.pop("default", None)
        suboptions[name] = option
    top["items"] = dict(type="list", elements="dict", options=suboptions)
    return top, [name for name in names if spec[name].get("required")]


def run_items(module, plan, required, extra=None):
    """plan(module, params, writer) -> result, for the top-level options or for each of `items` (merged
    over them), then extra(module, writer) -> result for what the call adds once (configuration files).
    ONE writer, committed once: the files of every item are written together, and a refusal of any item
    changes nothing at all."""
    params = module.params
    writer = FileWriter(module)
    items = params.get("items")
    if items:
        entries = []
        for item in items:
            entry = dict(params)
            entry.update((k, v) for k, v in item.items() if v is not None)
            entries.append(entry)
    else:
        entries = [params]
    results = []
    for index, entry in enumerate(entries):
        where = "items[%d]: " % index if items else ""
        missing = [name for name in required if entry.get(name) in (None, "")]
        if missing:
            raise RocError("%s%s: required" % (where, ", ".join(missing)))
        before = writer.changes
        try:
            result = plan(module, entry, writer)
        except RocError as exc:
            raise RocError(where + str(exc)) if items else exc
        result["changed"] = writer.changes > before  # this item's own changes, stated by the writer
        results.append(result)
    added = extra(module, writer) if extra else {}
    writer.commit()
    result = writer_result(writer)
    result.update(added)
    if items:
        result["item_results"] = results
    else:
        results[0].pop("changed")
        result.update(results[0])
    return result
