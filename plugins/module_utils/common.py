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

from ansible_collections.esante.roc.plugins.module_utils.loader import RocError, require_cryptography
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
    data = value.encode("utf-8", "surrogateescape")
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


def run(module, body, needs_cryptography=True):
    """Run body(module) -> result dict; a RocError becomes a clean failure (nothing half-written). A module
    that must work without cryptography (it reports its absence, or writes plain text) says so. The arguments the
    result echoes never hold key material (decided by content)."""
    invocation = {"module_args": redacted(module.params)}
    if needs_cryptography:
        require_cryptography(module)
    try:
        result = body(module)
    except RocError as exc:
        module.fail_json(msg=str(exc), invocation=invocation)
    result.setdefault("invocation", invocation)
    module.exit_json(**result)


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
        before = len(writer.diff)
        try:
            result = plan(module, entry, writer)
        except RocError as exc:
            raise RocError(where + str(exc)) if items else exc
        result["changed"] = len(writer.diff) > before
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
