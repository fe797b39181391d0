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

from ansible_collections.esante.roc.plugins.module_utils import (
    backend_config_files, backend_keystore, common, igc, igc_anchors, install_record, revocation)
from ansible_collections.esante.roc.plugins.module_utils.backend_keystore import KEY_REMEDY
from ansible_collections.esante.roc.plugins.module_utils.facts import certificate_facts
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.layout import valid_name
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import (
    certificate_pem, certificate_profile, certificates_pem, common_name, content_to_bytes, date_problem,
    fingerprint_sha256, is_ca, load_certificates, normalize_fingerprint, PEM_BLOCK, read_file)
from ansible_collections.esante.roc.plugins.module_utils.loader_chain import validate_path
from ansible_collections.esante.roc.plugins.module_utils.loader_keys import (
    key_file_holds, key_matches, load_private_key, private_key_blocks, private_key_pem)
from ansible_collections.esante.roc.plugins.module_utils.loader_pkcs12 import load_pkcs12
from ansible_collections.esante.roc.plugins.module_utils.writer import check_key_at, read_key_file

# the checks of both install modules (their documentation: doc fragment esante.roc.trust)
CHECK_OPTIONS = dict(
    service=dict(type="str"),
    usage=dict(type="str", choices=list(igc.USAGES)),
    allow_expired=dict(type="bool", default=False),
    ca_path=dict(type="path"),
    chain=dict(type="list", elements="str", default=[]),
    environment=dict(type="str", choices=["production", "test"]),
    allow_unanchored=dict(type="bool", default=False),
    revoked=dict(type="list", elements="dict", options=revocation.REVOKED_ENTRY),
    chain_source=dict(type="str"),
)
NO_ANCHOR = ("no anchor given: give ca_path or chain (the IGC-Santé ACI and ACR), or environment for the collection's "
             "official IGC-Santé certificates (allow_unanchored is for a lab only)")

# what the middleware reads, committed with the material it names (one execution, one commit)
MIDDLEWARE_OPTIONS = dict(
    keystore_path=dict(type="path"),
    keystore_alias=dict(type="str", no_log=False),
    keystore_passphrase=dict(type="str", no_log=True),
    config_files=dict(type="list", elements="dict", options=backend_config_files.FILE_ENTRY),
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
    chain_path=dict(type="path"),
    fullchain_path=dict(type="path"),
    combined_path=dict(type="path"),
    next_privatekey_path=dict(type="path"),
    next_csr_path=dict(type="path"),
    cert_mode=dict(type="raw"),
    **dict(CHECK_OPTIONS, **dict(MIDDLEWARE_OPTIONS, **common.FILE_OPTIONS))
)


# per-item options of `items` (one execution for every service of a host)
PKCS12_ARGUMENT_SPEC, PKCS12_REQUIRED = common.with_items(_PKCS12_SPEC, (
    "src", "content", "passphrase", "dest", "privatekey_path", "certificate_path", "chain_path", "fullchain_path",
    "combined_path", "keystore_path", "keystore_alias", "service", "usage"))
CERTIFICATE_ARGUMENT_SPEC, CERTIFICATE_REQUIRED = common.with_items(_CERTIFICATE_SPEC, (
    "src", "content", "path", "privatekey_path", "privatekey_content", "chain_path", "fullchain_path",
    "combined_path", "next_privatekey_path", "next_csr_path", "keystore_path", "keystore_alias", "service", "usage"))


def precheck(params):
    """What refuses a call before its source is opened (the install record cannot answer it either)."""
    if not (params.get("ca_path") or params.get("chain") or params.get("environment") or params.get("allow_unanchored")):
        raise RocError(NO_ANCHOR)
    revocation.parse_entries(params.get("revoked"))
    if params.get("keystore_path"):
        backend_keystore.check_passphrase(params.get("keystore_passphrase"), "keystore_passphrase")


def anchors_of(params):
    """The trust anchors of a call: the certificates of ca_path and chain, the ONLY ones trusted; without them and
    with environment, the collection's official IGC-Santé ACR and ACI of that environment (pins checked)."""
    anchors = []
    if params.get("ca_path"):
        anchors += load_certificates(read_file(params["ca_path"], "ca_path", follow=True), "ca_path %s" % params["ca_path"])
    for index, item in enumerate(params.get("chain") or []):
        anchors += load_certificates(content_to_bytes(item, "chain[%d]" % index), "chain[%d]" % index)
    if not anchors and params.get("environment"):
        for anchor in igc_anchors.anchors(params["environment"]):
            what = "the collection's official %s (%s)" % (anchor["file"], params["environment"])
            cert = load_certificates(anchor["pem"].encode("ascii"), what)[0]
            if normalize_fingerprint(fingerprint_sha256(cert)) != normalize_fingerprint(anchor["sha256"]):
                raise RocError("%s: its fingerprint is not its pin %s (the collection is damaged)" % (what, anchor["sha256"]))
            anchors.append(cert)
    return anchors


def verify_leaf(cert, key, candidates, params, what, source=None):
    """All the refusals, in the order a person would check them. Returns the chain (issuer first), checked from
    the certificate to an anchor of the call (`candidates`, the bundle's or the file's own CA certificates, are
    links of the path, never anchors). key None: every check but the key's (check mode before the key exists)."""
    profile = certificate_profile(cert, what)  # what the IGC-Santé profile judges, read once
    problem = igc.service_problem(profile, params.get("service"))
    if problem:
        raise RocError("%s: %s" % (what, problem))
    usage = expected_usage(params)
    if usage:
        problem = igc.usage_problem(profile, usage)
        if problem:
            raise RocError("%s: %s%s" % (what, problem, "" if params.get("usage") else (
                " (the usage of service %s; give usage to say another)" % params["service"])))
    if is_ca(cert, what):
        raise RocError("%s: the certificate is a CA certificate, not a service certificate" % what)
    if key is not None and not key_matches(key, cert):
        raise RocError("%s: the certificate does not match the private key" % what)
    problem = igc.environment_problem(profile, params.get("environment"))
    if problem:
        raise RocError("%s: %s" % (what, problem))
    problem = revocation.revoked_problem(cert, params.get("revoked"), source)
    if problem:
        raise RocError("%s: %s" % (what, problem))
    try:
        chain = validate_path(cert, candidates, anchors_of(params), what, allow_expired=params.get("allow_expired"),
                              allow_unanchored=params.get("allow_unanchored"))
    except RocError as exc:
        if not params.get("chain_source"):
            raise
        raise RocError("%s (the anchors: %s)" % (exc, params["chain_source"]))
    if not params.get("allow_expired"):
        problem = date_problem(cert, "the certificate")
        if problem:
            raise RocError("%s: %s (set allow_expired to install it anyway)" % (what, problem))
    return chain


def expected_usage(params):
    """The usage a certificate must fit: usage, else the one of service when it is an IGC-Santé ROC service
    (Client_ROC_Annuaire_AMC: auth_cli, Client_ROC_WebServices_AMC: sign), else none."""
    return params.get("usage") or igc.DEFAULT_SERVICES.get(params.get("service"))


def _folder(path):
    return os.path.dirname(os.path.abspath(path))


def install(params, writer, key, cert, chain, paths, key_bytes=None, key_passphrase=None):
    """Plan key (optional), certificate, chain, fullchain and combined file (the caller commits). A folder made
    for a file holding key material (the key, the combined file, the keystore) is made 0700 (0750 with group),
    whatever else goes in it."""
    owner, group = params["owner"], params["group"]
    keyed = set(_folder(p) for p in (paths.get("privatekey"), paths.get("combined"), params.get("keystore_path")) if p)
    given = [p for p in paths.values() if p]
    for path in sorted(given, key=lambda p: _folder(p) not in keyed):  # the key folders first: made as such
        common.ensure_parent(writer, path, _folder(path) in keyed, owner, group)
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
        alias = params.get("keystore_alias") or params.get("service") or common_name(cert.subject)
        result["keystore"] = backend_keystore.plan_keystore(
            writer, params, params["keystore_path"], alias, params["keystore_passphrase"], key, cert, chain)
    result["certificate"] = certificate_facts(cert)
    result["chain"] = [c.subject.rfc4514_string() for c in chain]
    return result


def _combined_holds(old, key, passphrase, certs):
    blocks = PEM_BLOCK.findall(old)
    key_blocks = private_key_blocks(old)
    cert_part = b"".join(b"-----BEGIN %s-----\n%s-----END %s-----\n" % (label, body, label)
                         for label, body in blocks if label == b"CERTIFICATE")
    return len(key_blocks) == 1 and key_file_holds(key_blocks[0], key, passphrase) and cert_part == certs


# --------------------------------------------------------------------------------- pkcs12_unpack
def bundle_bytes(params):
    if params.get("remote_src"):
        if not params.get("src"):
            raise RocError("src: required with remote_src=true")
        return read_file(params["src"], "src", follow=True)
    if params.get("content") is None:
        raise RocError("src: give a bundle file on the controller (src) or its base64 content (content)")
    return content_to_bytes(params["content"], "content")


def plan_config_files(module, writer):
    """The middleware's configuration files given with the material, in the same commit."""
    params = module.params
    if not params.get("config_files"):
        return {}
    defaults = {"owner": params.get("owner"), "group": params.get("group"), "mode": None, "backup": params["backup"]}
    return {"config_files": backend_config_files.plan_files(module, writer, params["config_files"], defaults,
                                                            params["config_dir_mode"], "config_files")}


def run_pkcs12_unpack(module):
    return common.run_items(module, plan_pkcs12_unpack, PKCS12_REQUIRED, plan_config_files)


def plan_pkcs12_unpack(module, params, writer):
    if params.get("content") is not None and params.get("remote_src"):
        raise RocError("content and remote_src: mutually exclusive")
    what = "PKCS#12 bundle %s" % (params.get("src") or "(content)")
    precheck(params)
    bundle = bundle_bytes(params)
    expected = None
    if params.get("service") or params.get("certificate_path"):
        # the no-change path: the record of the last install says nothing changed, no bundle opened
        known = _pkcs12_paths(params, params.get("service"))["certificate"]
        expected = install_record.inputs(params, bundle)
        done = install_record.unchanged(expected, params, known)
        if done is not None:
            return _from_record(done, known)
    first = len(writer.planned)
    key, cert, extra = load_pkcs12(bundle, params["passphrase"], what)
    chain = verify_leaf(cert, key, extra, params, what, bundle)
    name = params.get("service") or common_name(cert.subject)
    if not name:
        raise RocError("%s: the certificate has no CN; give service and explicit paths" % what)
    if not params.get("service") and not valid_name(name):
        raise RocError("%s: the certificate's CN '%s' cannot name files in dest (letters, digits, '.', '_', '-', not "
                       "starting with '.' or '-'); give service" % (what, name))
    paths = _pkcs12_paths(params, name)
    key_passphrase = params.get("key_passphrase")
    result = install(params, writer, key, cert, chain, paths, private_key_pem(key, key_passphrase), key_passphrase)
    if not module.check_mode:
        install_record.plan_record(writer, expected or install_record.inputs(params, bundle), paths["certificate"],
                                   first, cert, result)
    return result


def _pkcs12_paths(params, name):
    """Where pkcs12_unpack writes a service's files: the paths given, else <dest>/<name>.key, .crt, ... (each
    computed path checked to stay in dest, symbolic links of its existing part resolved)."""
    dest = params["dest"]
    paths = {"combined": params.get("combined_path")}
    for kind, option, suffix in (("privatekey", "privatekey_path", "key"), ("certificate", "certificate_path", "crt"),
                                 ("chain", "chain_path", "chain.pem"), ("fullchain", "fullchain_path", "fullchain.pem")):
        if params.get(option):
            paths[kind] = params[option]
        else:
            paths[kind] = _inside(dest, "%s.%s" % (name, suffix), option)
    return paths


def _inside(folder, name, option):
    """folder/name, refused when it resolves outside folder (a name with separators, a symbolic link)."""
    path = os.path.normpath(os.path.join(folder, name))
    base = os.path.realpath(folder)
    real = os.path.realpath(path)
    if os.path.commonpath([base, real]) != base or os.path.dirname(path) != os.path.normpath(folder):
        raise RocError("%s: %s resolves to %s, outside dest %s; give service (a plain name) or %s" % (
            option, os.path.join(folder, name), real, folder, option))
    return path


def _from_record(result, certificate_path):
    """The result of an unchanged install, from its record; the certificate's facts (days left...) read now."""
    result = dict(result)
    cert = load_certificates(read_file(certificate_path, "certificate_path"), "certificate_path %s" % certificate_path)[0]
    result["certificate"] = certificate_facts(cert)
    return result


# ----------------------------------------------------------------------------------- certificate
def run_certificate(module):
    params = module.params
    if params.get("mode") is not None and params.get("cert_mode") is None:
        # 1.x: mode also set the certificate files' mode; it means the key material's mode in every sibling module
        module.deprecate("esante.roc.certificate: mode also sets the mode of the certificate, chain and full chain "
                         "files when cert_mode is not given; give cert_mode (since 1.5.0) for them: from 2.0.0 mode is "
                         "the key material's mode only, as in esante.roc.csr and esante.roc.pkcs12_unpack",
                         version="2.0.0", collection_name="esante.roc")
    return common.run_items(module, plan_certificate, CERTIFICATE_REQUIRED, plan_config_files)


def plan_certificate(module, params, writer):
    if params.get("content") is None:
        raise RocError("src: give the certificate file on the controller (src) or its content (content)")
    source = content_to_bytes(params["content"], "content")
    precheck(params)
    expected = install_record.inputs(params, source)
    renewal = params.get("next_privatekey_path") and os.path.exists(params["next_privatekey_path"])
    if not renewal and not params.get("privatekey_content"):
        # the key used as it is must be trusted now, whatever the record says
        check_key_at(params["privatekey_path"], "privatekey_path", params.get("owner"), module.check_mode, KEY_REMEDY)
    if not renewal:
        done = install_record.unchanged(expected, params, params["path"])
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
        key, key_bytes, swap = _renewal_key(params, cert, passphrase, module.check_mode)
        if key is None and not os.path.exists(key_path):
            if module.check_mode:
                # every check but the key's: a certificate the real run would refuse is refused now
                chain = verify_leaf(cert, None, bundled, params, "certificate", source)
                return _predicted_without_key(params, writer, cert, key_path, chain)
            raise RocError("privatekey_path: %s does not exist on the target (make it with esante.roc.csr)" % key_path)
        if key is None:
            key_read = read_key_file(key_path, "privatekey_path", params.get("owner"), module.check_mode, KEY_REMEDY)[0]
            key = load_private_key(key_read, passphrase, "privatekey_path %s" % key_path)
    # certificates after the leaf in its file are links of the path; the anchors are chain / ca_path only
    chain = verify_leaf(cert, key, bundled, params, "certificate", source)
    paths = {"privatekey": key_path, "certificate": params["path"], "chain": params.get("chain_path"),
             "fullchain": params.get("fullchain_path"), "combined": params.get("combined_path")}
    result = install(params, writer, key, cert, chain, paths, key_bytes, passphrase)
    result["renewed"] = swap
    if not module.check_mode and not swap:
        # the key is read here, not written, when it was made on this host: the record keeps its digest too
        install_record.plan_record(writer, expected, params["path"], first, cert, result,
                                   {key_path: key_read} if key_bytes is None else None)
    if swap:
        # renewal: the next key becomes the live key in the same commit, and leaves its waiting place
        writer.plan_remove(params["next_privatekey_path"], sensitive=True, label="next_privatekey_path")
        if params.get("next_csr_path"):
            writer.plan_remove(params["next_csr_path"], label="next_csr_path")
    return result


def _predicted_without_key(params, writer, cert, key_path, chain):
    """Check mode before the key exists (an earlier task of the same check run would make it): the
    certificate's files would be written; nothing is checked against a key that is not there yet."""
    for name in ("path", "chain_path", "fullchain_path", "combined_path", "keystore_path"):
        if params.get(name):
            writer.predict(params[name], "<%s for %s, once %s exists>\n" % (name, cert.subject.rfc4514_string(), key_path))
    return {"files": {}, "certificate": certificate_facts(cert), "chain": [c.subject.rfc4514_string() for c in chain],
            "renewed": False,
            "predicted_without_key": key_path}


def _renewal_key(params, cert, passphrase, check_mode=False):
    """(key, key bytes, swap): the renewal key waiting at next_privatekey_path when the certificate is its
    own; (None, None, False) when there is none or the certificate belongs to the live key. A waiting key that
    others could know or replace is refused."""
    path = params.get("next_privatekey_path")
    if not path or not os.path.exists(path):
        return None, None, False
    data = read_key_file(path, "next_privatekey_path", params.get("owner"), check_mode, KEY_REMEDY)[0]
    key = load_private_key(data, passphrase, "next_privatekey_path %s" % path)
    if not key_matches(key, cert):
        return None, None, False
    return key, data, True
