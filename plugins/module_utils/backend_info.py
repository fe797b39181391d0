# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.certificate_info: read-only facts about a certificate, or about many in one execution."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.esante.roc.plugins.module_utils import revocation
from ansible_collections.esante.roc.plugins.module_utils.facts import certificate_facts
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import (
    content_to_bytes, load_certificates, load_crls, read_file)
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import key_matches, load_private_key

ARGUMENT_SPEC = dict(
    path=dict(type="path"),
    content=dict(type="str"),
    privatekey_path=dict(type="path"),
    privatekey_passphrase=dict(type="str", no_log=True),
    chain_path=dict(type="path"),
    crls=dict(type="list", elements="str"),
    certificates=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        path=dict(type="path", required=True),
        privatekey_path=dict(type="path"),
        chain_path=dict(type="path"),
    )),
    privatekey_passphrases=dict(type="dict", no_log=True, default={}),
)


def describe(certs, key_path=None, passphrase=None, what="certificate", chain=None, crls=None):
    """Facts of certs[0]; `chain`: more certificates at hand (the issuer's, for the CRLs), `crls`: [(label, crl)]
    (None: revocation not asked)."""
    facts = certificate_facts(certs[0], what=what)
    facts["chain_length"] = len(certs)
    if crls is not None:
        facts["revocation"] = revocation.revocation_status(certs[0], list(certs[1:]) + list(chain or []), crls, what)
    if key_path:
        key = load_private_key(read_file(key_path, "privatekey_path"), passphrase, "privatekey_path %s" % key_path)
        facts["privatekey_match"] = key_matches(key, certs[0])
    return facts


def _chain(path, what):
    if not path:
        return []
    return load_certificates(read_file(path, what), "%s %s" % (what, path))


def run(module):
    params = module.params
    if params.get("certificates") is not None:
        try:
            crls = load_crls(params["crls"]) if params.get("crls") is not None else None
        except RocError as exc:
            crls = exc  # each entry reports it: a fleet report is never aborted
        return {"changed": False, "certificates": [_one(entry, params, crls) for entry in params["certificates"]]}
    try:
        crls = load_crls(params["crls"]) if params.get("crls") is not None else None
        if params.get("path"):
            what = "path %s" % params["path"]
            certs = load_certificates(read_file(params["path"], "path", follow=True), what)
        elif params.get("content") is not None:
            what = "content"
            certs = load_certificates(content_to_bytes(params["content"], "content"), "content")
        else:
            raise RocError("give path, content or certificates")
        return dict(changed=False, **describe(certs, params.get("privatekey_path"), params.get("privatekey_passphrase"),
                                              what, _chain(params.get("chain_path"), "chain_path"), crls))
    except RocError:
        raise
    except Exception as exc:  # never a traceback: the input is named, the reason given
        raise RocError("%s: cannot be read (%s: %s)" % (_input_name(params), type(exc).__name__, exc))


def _input_name(params):
    if params.get("path"):
        return "path %s" % params["path"]
    return "content" if params.get("content") is not None else "certificate_info"


def _one(entry, params, crls):
    """One entry of `certificates`: its facts, or `present: false` / `error` (a fleet report goes on, whatever
    the error: unreadable, not a certificate, malformed extensions, an unsupported algorithm, a CRL that does not
    verify)."""
    out = {"name": entry["name"], "path": entry["path"]}
    if not os.path.exists(entry["path"]):
        out["present"] = False
        return out
    out["present"] = True
    what = "certificates[%s] path %s" % (entry["name"], entry["path"])
    try:
        if isinstance(crls, RocError):
            raise crls
        certs = load_certificates(read_file(entry["path"], "path"), "path %s" % entry["path"])
        key_path = entry.get("privatekey_path")
        if key_path and not os.path.exists(key_path):
            key_path = None
            out["privatekey_present"] = False
        chain = _chain(entry.get("chain_path") or params.get("chain_path"), "chain_path")
        out.update(describe(certs, key_path, params["privatekey_passphrases"].get(entry["name"]), what, chain, crls))
    except RocError as exc:
        out["error"] = str(exc)
    except Exception as exc:  # an error of the library on this one input: reported, the fleet report goes on
        out["error"] = "%s: cannot be read (%s: %s)" % (what, type(exc).__name__, exc)
    return out
