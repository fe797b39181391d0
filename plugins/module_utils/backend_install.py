# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.pkcs12_unpack and esante.roc.certificate: check an ORG certificate with its key and
chain, then install key / certificate / chain / fullchain together.

Every check runs before anything is written; the files of one call are committed together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.esante.roc.plugins.module_utils import backend_files, backend_keystore, common, fastpath, igc
from ansible_collections.esante.roc.plugins.module_utils.facts import certificate_facts
from ansible_collections.esante.roc.plugins.module_utils.loader import (
    PEM_BLOCK, RocError, build_chain, certificate_pem, common_name, certificates_pem, content_to_bytes, date_problem, is_ca,
    key_matches, load_certificates, load_pkcs12, load_private_key, private_key_pem, read_file,
    key_file_holds)

CHECK_OPTIONS = dict(
    service=dict(type="str"),
    usage=dict(type="str", choices=list(igc.USAGES)),
    allow_expired=dict(type="bool", default=False),
    ca_path=dict(type="path"),
)

# what the middleware reads, committed with the material it names (one execution, one commit)
MIDDLEWARE_OPTIONS = dict(
    keystore_path=dict(type="path"),
    keystore_alias=dict(type="str", no_log=False),
    keystore_passphrase=dict(type="str", no_log=True),
    config_files=dict(type="list", elements="dict", options=backend_files.FILE_ENTRY),
    config_dir_mode=dict(type="raw", default="0755"),
)

_PKCS12_SPEC = dict(
    src=dict(type="path"),
    content=dict(type="str", no_log=True),
    remote_src=dict(type="bool", default=False),
    passphrase=dict(type="str", required=True, no_log=True),
    dest=dict(type="path", required=True),
    privatekey_path=dict(type="path"),
    certificate_path=dict(type="path"),
    chain_path=dict(type="path"),
    fullchain_path=dict(type="path"),
    combined_path=dict(type="path"),
    key_passphrase=dict(type="str", no_log=True),
    cert_mode=dict(type="raw", default="0644"),
    **dict(CHECK_OPTIONS, **dict(MIDDLEWARE_OPTIONS, **common.FILE_OPTIONS))
)

_CERTIFICATE_SPEC = dict(
    src=dict(type="path"),
    content=dict(type="str"),
    path=dict(type="path", required=True),
    privatekey_path=dict(type="path", required=True),
    privatekey_passphrase=dict(type="str", no_log=True),
    privatekey_content=dict(type="str", no_log=True),
    chain=dict(type="list", elements="str", default=[]),
    chain_path=dict(type="path"),
    fullchain_path=dict(type="path"),
    combined_path=dict(type="path"),
    next_privatekey_path=dict(type="path"),
    next_csr_path=dict(type="path"),
    **dict(CHECK_OPTIONS, **dict(MIDDLEWARE_OPTIONS, **common.FILE_OPTIONS))
)


# per-item options of `items` (one execution for every service of a host)
PKCS12_ARGUMENT_SPEC, PKCS12_REQUIRED = common.with_items(_PKCS12_SPEC, (
    "src", "content", "passphrase", "dest", "privatekey_path", "certificate_path", "chain_path", "fullchain_path",
    "combined_path", "keystore_path", "keystore_alias", "service", "usage"))
CERTIFICATE_ARGUMENT_SPEC, CERTIFICATE_REQUIRED = common.with_items(_CERTIFICATE_SPEC, (
    "src", "content", "path", "privatekey_path", "privatekey_content", "chain_path", "fullchain_path",
    "combined_path", "next_privatekey_path", "next_csr_path", "keystore_path", "keystore_alias", "service", "usage"))


def verify_leaf(cert, key, candidates, params, what):
    """All the refusals, in the order a person would check them. Returns the chain (issuer first)."""
    problem = igc.service_problem(cert, params.get("service"))
    if problem:
        raise RocError("%s: %s" % (what, problem))
    if params.get("usage"):
        problem = igc.usage_problem(cert, params["usage"])
        if problem:
            raise RocError("%s: %s" % (what, problem))
    if is_ca(cert):
        raise RocError("%s: the certificate is a CA certificate, not a service certificate" % what)
    if not key_matches(key, cert):
        raise RocError("%s: the certificate does not match the private key" % what)
    if params.get("ca_path"):
        extra = load_certificates(read_file(params["ca_path"], "ca_path"), "ca_path %s" % params["ca_path"])
        candidates = extra + list(candidates)
    chain = build_chain(cert, candidates)  # chain[0], when there is one, verifies cert's signature
    if candidates and not chain:
        issuer = cert.issuer.rfc4514_string()
        raise RocError("%s: the certificate is not signed by any CA given (its issuer is %s)" % (what, issuer))
    if not params.get("allow_expired"):
        problem = date_problem(cert, "the certificate")
        if problem:
            raise RocError("%s: %s (set allow_expired to install it anyway)" % (what, problem))
    return chain


def install(params, writer, key, cert, chain, paths, key_bytes=None, key_passphrase=None):
    """Plan key (optional), certificate, chain, fullchain and combined file (the caller commits)."""
    owner, group = params["owner"], params["group"]
    for path in paths.values():
        if path:
            common.ensure_parent(writer, path, path == paths.get("privatekey"), owner, group)
    if key_bytes is not None:
        writer.plan(paths["privatekey"], key_bytes, mode=params["mode"], owner=owner, group=group,
                    backup=params["backup"], sensitive=True, default_mode=0o600, label="privatekey_path",
                    same=lambda old: key_file_holds(old, key, key_passphrase))
    cert_mode = params.get("cert_mode") or params.get("mode")
    files = {"certificate": certificate_pem(cert)}
    if paths.get("chain"):
        files["chain"] = certificates_pem(chain)
    if paths.get("fullchain"):
        files["fullchain"] = certificates_pem([cert] + [c for c in chain if c.issuer != c.subject])
    for name, content in files.items():
        writer.plan(paths[name], content, mode=cert_mode, owner=owner, group=group,
                    backup=params["backup"] and name == "certificate", label="%s_path" % name)
    if paths.get("combined"):
        # key + leaf + intermediates in ONE file: a reader sees the old pair or the new pair, never a mix
        certs = certificates_pem([cert] + [c for c in chain if c.issuer != c.subject])
        combined = (key_bytes if key_bytes is not None else private_key_pem(key, key_passphrase)) + certs
        writer.plan(paths["combined"], combined, mode=params["mode"], owner=owner, group=group,
                    backup=params["backup"], sensitive=True, default_mode=0o600, label="combined_path",
                    same=lambda old: _combined_holds(old, key, key_passphrase, certs))
    result = {"files": dict((k, v) for k, v in paths.items() if v)}
    if params.get("keystore_path"):
        if not params.get("keystore_passphrase"):
            raise RocError("keystore_passphrase: required with keystore_path (Java refuses keystores without one)")
        alias = params.get("keystore_alias") or params.get("service") or common_name(cert.subject)
        result["keystore"] = backend_keystore.plan_keystore(
            writer, params, params["keystore_path"], alias, params["keystore_passphrase"], key, cert, chain)
    result["certificate"] = certificate_facts(cert)
    result["chain"] = [c.subject.rfc4514_string() for c in chain]
    return result


def _combined_holds(old, key, passphrase, certs):
    blocks = PEM_BLOCK.findall(old)
    key_blocks = [b"-----BEGIN %s-----\n%s-----END %s-----\n" % (label, body, label)
                  for label, body in blocks if label.endswith(b"PRIVATE KEY")]
    cert_part = b"".join(b"-----BEGIN %s-----\n%s-----END %s-----\n" % (label, body, label)
                         for label, body in blocks if label == b"CERTIFICATE")
    return len(key_blocks) == 1 and key_file_holds(key_blocks[0], key, passphrase) and cert_part == certs


# --------------------------------------------------------------------------------- pkcs12_unpack
def bundle_bytes(params):
    if params.get("remote_src"):
        if not params.get("src"):
            raise RocError("src: required with remote_src=true")
        return read_file(params["src"], "src")
    if params.get("content") is None:
        raise RocError("src: give a bundle file on the controller (src) or its base64 content (content)")
    return content_to_bytes(params["content"], "content")


def plan_config_files(module, writer):
    """The middleware's configuration files given with the material, in the same commit."""
    params = module.params
    if not params.get("config_files"):
        return {}
    defaults = {"owner": params.get("owner"), "group": params.get("group"), "mode": None, "backup": params["backup"]}
    return {"config_files": backend_files.plan_files(module, writer, params["config_files"], defaults,
                                                     params["config_dir_mode"], "config_files")}


def run_pkcs12_unpack(module):
    return common.run_items(module, plan_pkcs12_unpack, PKCS12_REQUIRED, plan_config_files)


def plan_pkcs12_unpack(module, params, writer):
    if params.get("content") is not None and params.get("remote_src"):
        raise RocError("content and remote_src: mutually exclusive")
    what = "PKCS#12 bundle %s" % (params.get("src") or "(content)")
    bundle = bundle_bytes(params)
    expected = None
    if params.get("service") or params.get("certificate_path"):
        # the no-change path: the record of the last install says nothing changed, no bundle opened
        known = _pkcs12_paths(params, params.get("service"))["certificate"]
        expected = fastpath.inputs(params, bundle)
        done = fastpath.unchanged(expected, params, known)
        if done is not None:
            return _from_record(done, known)
    first = len(writer.planned)
    key, cert, extra = load_pkcs12(bundle, params["passphrase"], what)
    chain = verify_leaf(cert, key, extra, params, what)
    name = params.get("service") or common_name(cert.subject)
    if not name:
        raise RocError("%s: the certificate has no CN; give service and explicit paths" % what)
    paths = _pkcs12_paths(params, name)
    key_passphrase = params.get("key_passphrase")
    result = install(params, writer, key, cert, chain, paths, private_key_pem(key, key_passphrase), key_passphrase)
    if not module.check_mode:
        fastpath.plan_record(writer, expected or fastpath.inputs(params, bundle), paths["certificate"], first, cert,
                             result)
    return result


def _pkcs12_paths(params, name):
    """Where pkcs12_unpack writes a service's files: the paths given, else <dest>/<name>.key, .crt, ..."""
    dest = params["dest"]
    return {
        "privatekey": params.get("privatekey_path") or os.path.join(dest, "%s.key" % name),
        "certificate": params.get("certificate_path") or os.path.join(dest, "%s.crt" % name),
        "chain": params.get("chain_path") or os.path.join(dest, "%s.chain.pem" % name),
        "fullchain": params.get("fullchain_path") or os.path.join(dest, "%s.fullchain.pem" % name),
        "combined": params.get("combined_path"),
    }


def _from_record(result, certificate_path):
    """The result of an unchanged install, from its record; the certificate's facts (days left...) read now."""
    result = dict(result)
    cert = load_certificates(read_file(certificate_path, "certificate_path"), "certificate_path %s" % certificate_path)[0]
    result["certificate"] = certificate_facts(cert)
    return result


# ----------------------------------------------------------------------------------- certificate
def run_certificate(module):
    return common.run_items(module, plan_certificate, CERTIFICATE_REQUIRED, plan_config_files)


def plan_certificate(module, params, writer):
    if params.get("content") is None:
        raise RocError("src: give the certificate file on the controller (src) or its content (content)")
    source = content_to_bytes(params["content"], "content")
    expected = fastpath.inputs(params, source)
    renewal = params.get("next_privatekey_path") and os.path.exists(params["next_privatekey_path"])
    if not renewal:
        done = fastpath.unchanged(expected, params, params["path"])
        if done is not None:
            return _from_record(done, params["path"])
    first = len(writer.planned)
    certs = load_certificates(source, "certificate %s" % (params.get("src") or "(content)"))
    cert, bundled = certs[0], certs[1:]
    key_path, passphrase = params["privatekey_path"], params.get("privatekey_passphrase")
    key_bytes, key_read, swap = None, None, False
    if params.get("privatekey_content"):
        # the key travels with its certificate (another host of the structure made it): both land together
        key = load_private_key(content_to_bytes(params["privatekey_content"], "privatekey_content"), passphrase,
                               "privatekey_content")
        key_bytes = private_key_pem(key, passphrase)
    else:
        key, key_bytes, swap = _renewal_key(params, cert, passphrase)
        if key is None and not os.path.exists(key_path):
            if module.check_mode:
                return _predicted_without_key(params, writer, cert, key_path)
            raise RocError("privatekey_path: %s does not exist on the target (make it with esante.roc.csr)" % key_path)
        if key is None:
            key_read = read_file(key_path, "privatekey_path")
            key = load_private_key(key_read, passphrase, "privatekey_path %s" % key_path)
    candidates = list(bundled)
    for index, item in enumerate(params.get("chain") or []):
        candidates += load_certificates(content_to_bytes(item, "chain[%d]" % index), "chain[%d]" % index)
    chain = verify_leaf(cert, key, candidates, params, "certificate")
    paths = {"privatekey": key_path, "certificate": params["path"], "chain": params.get("chain_path"),
             "fullchain": params.get("fullchain_path"), "combined": params.get("combined_path")}
    result = install(params, writer, key, cert, chain, paths, key_bytes, passphrase)
    result["renewed"] = swap
    if not module.check_mode and not swap:
        # the key is read here, not written, when it was made on this host: the record keeps its digest too
        fastpath.plan_record(writer, expected, params["path"], first, cert, result,
                             {key_path: key_read} if key_bytes is None else None)
    if swap:
        # renewal: the next key becomes the live key in the same commit, and leaves its waiting place
        writer.plan_remove(params["next_privatekey_path"], sensitive=True, label="next_privatekey_path")
        if params.get("next_csr_path"):
            writer.plan_remove(params["next_csr_path"], label="next_csr_path")
    return result


def _predicted_without_key(params, writer, cert, key_path):
    """Check mode before the key exists (an earlier task of the same check run would make it): the
    certificate's files would be written; nothing is checked against a key that is not there yet."""
    writer.changed = True
    for name in ("path", "chain_path", "fullchain_path", "combined_path", "keystore_path"):
        if params.get(name):
            writer.diff.append({"before_header": params[name], "after_header": params[name], "before": "",
                                "after": "<%s for %s, once %s exists>\n" % (name, cert.subject.rfc4514_string(), key_path)})
    return {"files": {}, "certificate": certificate_facts(cert), "chain": [], "renewed": False,
            "predicted_without_key": key_path}


def _renewal_key(params, cert, passphrase):
    """(key, key bytes, swap): the renewal key waiting at next_privatekey_path when the certificate is its
    own; (None, None, False) when there is none or the certificate belongs to the live key."""
    path = params.get("next_privatekey_path")
    if not path or not os.path.exists(path):
        return None, None, False
    data = read_file(path, "next_privatekey_path")
    key = load_private_key(data, passphrase, "next_privatekey_path %s" % path)
    if not key_matches(key, cert):
        return None, None, False
    return key, data, True
