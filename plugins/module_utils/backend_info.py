# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.certificate_info: read-only facts about a certificate, or about many in one execution."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.esante.roc.plugins.module_utils.facts import certificate_facts
from ansible_collections.esante.roc.plugins.module_utils.loader import (
    RocError, content_to_bytes, key_matches, load_certificates, load_private_key, read_file)

ARGUMENT_SPEC = dict(
    path=dict(type="path"),
    content=dict(type="str"),
    privatekey_path=dict(type="path"),
    privatekey_passphrase=dict(type="str", no_log=True),
    certificates=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        path=dict(type="path", required=True),
        privatekey_path=dict(type="path"),
    )),
    privatekey_passphrases=dict(type="dict", no_log=True, default={}),
)


def describe(certs, key_path=None, passphrase=None):
    facts = certificate_facts(certs[0])
    facts["chain_length"] = len(certs)
    if key_path:
        key = load_private_key(read_file(key_path, "privatekey_path"), passphrase, "privatekey_path %s" % key_path)
        facts["privatekey_match"] = key_matches(key, certs[0])
    return facts


def run(module):
    params = module.params
    if params.get("certificates") is not None:
        return {"changed": False, "certificates": [_one(entry, params["privatekey_passphrases"])
                                                   for entry in params["certificates"]]}
    if params.get("path"):
        certs = load_certificates(read_file(params["path"], "path"), "path %s" % params["path"])
    elif params.get("content") is not None:
        certs = load_certificates(content_to_bytes(params["content"], "content"), "content")
    else:
        raise RocError("give path, content or certificates")
    return dict(changed=False, **describe(certs, params.get("privatekey_path"), params.get("privatekey_passphrase")))


def _one(entry, passphrases):
    """One entry of `certificates`: its facts, or `present: false` / `error` (a fleet report goes on)."""
    out = {"name": entry["name"], "path": entry["path"]}
    if not os.path.exists(entry["path"]):
        out["present"] = False
        return out
    out["present"] = True
    try:
        certs = load_certificates(read_file(entry["path"], "path"), "path %s" % entry["path"])
        key_path = entry.get("privatekey_path")
        if key_path and not os.path.exists(key_path):
            key_path = None
            out["privatekey_present"] = False
        out.update(describe(certs, key_path, passphrases.get(entry["name"])))
    except RocError as exc:
        out["error"] = str(exc)
    return out
