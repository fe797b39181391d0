# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of the modules whose `src` is a file on the controller.

The file is read on the controller (ansible-vault encrypted files are decrypted in memory) and
travels to the module as base64 in its `content` option: it is never written on the target's disk.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.esante.roc.plugins.plugin_utils.module_action import ModuleAction

#: module options that carry a secret (a bundle, a key, a passphrase) to the target
SECRET_OPTIONS = ("content", "passphrase", "key_passphrase", "keystore_passphrase", "privatekey_passphrase",
                  "privatekey_content", "keystore_password")
PIPELINING_WARNING = (
    "%s: pipelining is off for this host, so the module's arguments (here: %s) are written to a temporary file on the "
    "target before the module runs (Ansible removes it afterwards). Turn pipelining on (ANSIBLE_PIPELINING=true or "
    "[connection] pipelining = True in ansible.cfg; with become, 'requiretty' must be off in sudoers) so that secrets "
    "travel only through the connection.")


def secrets_in(args):
    """The names of the secret options that hold a value in a module's arguments (items included)."""
    found = set(k for k in SECRET_OPTIONS if args.get(k) not in (None, ""))
    for item in args.get("items") or []:
        if isinstance(item, dict):
            found.update(k for k in SECRET_OPTIONS if item.get(k) not in (None, ""))
    for spec in args.get("stores") or []:
        if isinstance(spec, dict) and spec.get("keystore_password") not in (None, ""):
            found.add("keystore_password")
    return sorted(found)


def read_controller_file(action, src, what="src"):
    """Bytes of a controller file found like the copy module finds it (role files/, playbook dir)."""
    try:
        path = action._find_needle("files", src)
    except AnsibleError as exc:
        raise AnsibleError("%s: %s not found on the controller (%s)" % (what, src, exc))
    real = action._loader.get_real_file(path, decrypt=True)
    try:
        with open(to_bytes(real, errors="surrogate_or_strict"), "rb") as handle:
            return handle.read()
    finally:
        action._loader.cleanup_tmp_file(real)


def b64(data):
    return to_text(base64.b64encode(data))


class ControllerSrcAction(ModuleAction):
    """Turns `src` (and list options of controller files) into content, then runs the module."""

    #: options holding lists of "file on the controller, or PEM content"
    LIST_OPTIONS = ()

    def _module_args(self, result):
        args = dict(self._task.args)
        if isinstance(args.get("items"), list):
            args["items"] = list(args["items"])
        if args.get("src") and not args.get("remote_src"):
            if args.get("content") is not None:
                raise AnsibleError("src and content are mutually exclusive")
            args["content"] = b64(read_controller_file(self, args["src"]))
        for index, item in enumerate(args.get("items") or []):
            # `items` (one execution for several services): each item's src is read the same way
            if isinstance(item, dict) and item.get("src") and item.get("content") is None \
                    and not item.get("remote_src", args.get("remote_src")):
                item = dict(item, content=b64(read_controller_file(self, item["src"], "items[%d].src" % index)))
                args["items"][index] = item
        for option in self.LIST_OPTIONS:
            args[option] = [self._item(option, i, item) for i, item in enumerate(args.get(option) or [])]
        secrets = secrets_in(args)
        if secrets and not self._is_pipelining_enabled("new"):
            result.setdefault("warnings", []).append(PIPELINING_WARNING % (self.MODULE, ", ".join(secrets)))
        return args

    def _item(self, option, index, item):
        if isinstance(item, dict):
            item = dict(item)
            if item.get("src") and item.get("content") is None:
                item["content"] = b64(read_controller_file(self, item.pop("src"), "%s[%d].src" % (option, index)))
            return item
        text = to_text(item)
        if "-----BEGIN" in text:
            return text
        return b64(read_controller_file(self, text, "%s[%d]" % (option, index)))
