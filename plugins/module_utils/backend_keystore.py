# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.keystore: a PKCS#12 keystore (key + certificate + chain, alias = service name) for Java
and .NET middleware, rewritten only when its content differs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.esante.roc.plugins.module_utils import common
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import load_certificates, read_file
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import (
    key_matches, load_private_key)
from ansible_collections.esante.roc.plugins.module_utils.loader_pkcs12 import keystore_bytes, keystore_holds
from ansible_collections.esante.roc.plugins.module_utils.writer import read_key_file, read_regular, regular_exists

# a key file is put in a keystore (or installed: pkcs12_unpack, certificate) only when nobody else could know or
# replace it
KEY_REMEDY = ("check that it is the key made for this service, then give it to root (or the owner asked) with mode 0600 "
              "(0640 with group), or make a new key with esante.roc.csr")

_SPEC = dict(
    path=dict(type="path", required=True),
    alias=dict(type="str", required=True),
    passphrase=dict(type="str", required=True, no_log=True),
    privatekey_path=dict(type="path", required=True),
    privatekey_passphrase=dict(type="str", no_log=True),
    certificate_path=dict(type="path", required=True),
    chain_path=dict(type="path"),
    **common.FILE_OPTIONS
)


# every service's keystore in one execution: `items` of path, alias and the three source files
ARGUMENT_SPEC, REQUIRED = common.with_items(_SPEC, (
    "path", "alias", "privatekey_path", "certificate_path", "chain_path"))


def run(module):
    return common.run_items(module, plan, REQUIRED)


def plan(module, params, writer):
    # reached without following links: a link or special file at one of them is refused, never "missing"
    missing = [o for o in ("privatekey_path", "certificate_path", "chain_path")
               if params.get(o) and not regular_exists(params[o], o)]
    if missing and module.check_mode:
        # a check run before the material is installed: predict the keystore, do not fail
        writer.predict(params["path"], "<keystore made from files an earlier task installs: %s>\n" % ", ".join(missing))
        return {"path": os.path.abspath(params["path"]), "alias": params["alias"], "predicted_from_missing": missing}
    key_bytes = read_key_file(params["privatekey_path"], "privatekey_path", params.get("owner"), module.check_mode,
                              KEY_REMEDY)[0]
    key = load_private_key(key_bytes, params.get("privatekey_passphrase"), "privatekey_path %s" % params["privatekey_path"])
    cert = load_certificates(read_file(params["certificate_path"], "certificate_path"),
                             "certificate_path %s" % params["certificate_path"])[0]
    chain = []
    if params.get("chain_path"):
        chain = load_certificates(read_file(params["chain_path"], "chain_path"), "chain_path %s" % params["chain_path"])
    if not key_matches(key, cert):
        raise RocError("certificate_path %s does not match privatekey_path %s" % (
            params["certificate_path"], params["privatekey_path"]))
    return plan_keystore(writer, params, params["path"], params["alias"], params["passphrase"], key, cert, chain)


def check_passphrase(passphrase, option="passphrase"):
    """A keystore's passphrase: given and not empty (Java refuses keystores without one)."""
    if not passphrase:
        raise RocError("%s: required and not empty for a keystore (Java refuses keystores without one)" % option)


def plan_keystore(writer, params, path, alias, passphrase, key, cert, chain):
    """Plan the keystore at `path` from a key, certificate and chain already in memory (esante.roc.keystore
    reads them from files; pkcs12_unpack and certificate hand over what they install, in the same commit).
    `params` gives owner, group, mode and backup."""
    check_passphrase(passphrase)
    data = None
    found = read_regular(path, "keystore %s" % path, missing_ok=True)  # a link or special file there: refused
    if found is not None:
        old = found[0]
        if keystore_holds(old, key, cert, chain, alias, passphrase):
            data = old  # the warm path: no new encryption, the writer sees identical bytes
    if data is None:
        data = keystore_bytes(key, cert, chain, alias, passphrase)
    common.ensure_parent(writer, path, True, params["owner"], params["group"])
    writer.plan(path, data, mode=params["mode"], owner=params["owner"], group=params["group"],
                backup=params["backup"], sensitive=True, default_mode=0o600, label="keystore %s" % path)
    return {"path": os.path.abspath(path), "alias": alias, "entries": 1 + len(chain)}
