# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""esante.roc.trust_anchor: CA certificates into the system store, an application bundle or a Java
keystore, all anchors in one call. Every anchor is checked (CA, dates, pin) before anything changes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import tempfile

from ansible_collections.esante.roc.plugins.module_utils import backend_prerequisites, common
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.layout import numbered, SYSTEM_STORES, valid_name
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import (
    certificate_pem, content_to_bytes, date_problem, fingerprint_sha256, is_ca, load_certificates,
    normalize_fingerprint, not_valid_after)
from ansible_collections.esante.roc.plugins.module_utils.loader_pkcs12 import store_fingerprints
from ansible_collections.esante.roc.plugins.module_utils.writer import FileWriter, list_folder, read_regular

FAMILY_IDS = {
    "debian": ("debian", "ubuntu", "linuxmint", "raspbian", "devuan", "pop"),
    "redhat": ("rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn", "scientific", "redhat"),
    "suse": ("sles", "sled", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "suse"),
}
BUNDLE_MARK = "# esante.roc anchor: "

STORES = ("system", "bundle", "java")

# One entry of `stores`: a store and its own settings (unset ones fall back to the top-level options).
STORE_OPTIONS = dict(
    store=dict(type="str", required=True, choices=list(STORES)),
    anchors=dict(type="list", elements="str"),
    store_dir=dict(type="path"),
    update_command=dict(type="list", elements="str"),
    bundle_path=dict(type="path"),
    keystore_path=dict(type="path"),
    keystore_password=dict(type="str", no_log=True),
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw"),
)

ARGUMENT_SPEC = dict(
    anchors=dict(type="list", elements="dict", required=True, options=dict(
        name=dict(type="str", required=True),
        src=dict(type="path"),
        content=dict(type="str"),
        sha256=dict(type="str"),
    )),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    store=dict(type="str", default="system", choices=list(STORES)),
    stores=dict(type="list", elements="dict", options=STORE_OPTIONS),
    os_family=dict(type="str", choices=["auto", "debian", "redhat", "suse"], default="auto"),
    store_dir=dict(type="path"),
    update_command=dict(type="list", elements="str"),
    bundle_path=dict(type="path"),
    keystore_path=dict(type="path"),
    keystore_password=dict(type="str", no_log=True),
    keytool_path=dict(type="str", default="keytool", no_log=False),
    prerequisites=dict(type="dict", options=backend_prerequisites.ARGUMENT_SPEC),
    **common.FILE_OPTIONS
)


def detect_family(os_release_path="/etc/os-release"):
    """'debian', 'redhat' or 'suse' from /etc/os-release (ID, then ID_LIKE)."""
    fields = {}
    try:
        with open(os_release_path) as handle:
            for line in handle:
                if "=" in line:
                    key, value = line.strip().split("=", 1)
                    fields[key] = value.strip().strip('"').lower()
    except (IOError, OSError):
        raise RocError("os_family: cannot read %s to detect the distribution; set os_family" % os_release_path)
    candidates = [fields.get("ID", "")] + fields.get("ID_LIKE", "").split()
    for candidate in candidates:
        for family, ids in FAMILY_IDS.items():
            if candidate in ids:
                return family
    raise RocError("os_family: distribution '%s' is not known (debian, redhat or suse family); set os_family"
                   % fields.get("ID", "?"))


def expand_anchors(anchors, state):
    """{anchor name: [(name, cert)]} for every CA certificate, in the order given, after every check.
    Refuses before anything changes."""
    expanded = {}
    seen = set()
    for index, anchor in enumerate(anchors):
        name = anchor["name"]
        label = "anchors[%d] (%s)" % (index, name)
        if not valid_name(name):
            raise RocError("%s: name must be letters, digits, '.', '_' or '-' (64 at most, not starting with '.')" % label)
        if name in seen:
            raise RocError("%s: the name is used twice" % label)
        seen.add(name)
        if state == "absent" and anchor.get("content") is None:
            expanded[name] = [(name, None)]
            continue
        if anchor.get("content") is None:
            raise RocError("%s: give src (a file on the controller) or content" % label)
        certs = load_certificates(content_to_bytes(anchor["content"], label), label)
        if anchor.get("sha256"):
            pin = normalize_fingerprint(anchor["sha256"])
            if len(pin) != 64:
                raise RocError("%s: sha256 pin '%s' is not a SHA-256 fingerprint (64 hex digits)" % (label, anchor["sha256"]))
            pinned = [c for c in certs if normalize_fingerprint(fingerprint_sha256(c)) == pin]
            if not pinned:
                raise RocError("%s: pin mismatch: expected sha256 %s, the file holds %s" % (
                    label, anchor["sha256"], ", ".join(fingerprint_sha256(c) for c in certs)))
            certs = pinned
        for cert in certs:
            try:
                subject = cert.subject.rfc4514_string()
            except Exception as exc:  # a malformed name, parsed lazily by cryptography
                raise RocError("%s: the certificate's subject is malformed (%s)" % (label, exc))
            if not is_ca(cert, "%s: %s" % (label, subject)):  # RocError naming the anchor when malformed
                raise RocError("%s: %s is not a CA certificate (basicConstraints CA:TRUE missing)" % (label, subject))
            problem = date_problem(cert, subject)
            if problem and state == "present":
                raise RocError("%s: %s" % (label, problem))
        expanded[name] = numbered(name, certs)
    return expanded


def with_numbered(expanded, state, existing, fold=False):
    """expanded, where state=absent: an anchor given by its name only stands for its own entry and for the numbered
    ones a file of several certificates was split into (<name>-1, <name>-2 ...), found among `existing` (file names
    without suffix, bundle labels, keystore aliases; `fold`: compared in lower case, as keytool keeps aliases)."""
    if state != "absent":
        return expanded
    names = set(n.lower() if fold else n for n, _cert in expanded)
    out = []
    for name, cert in expanded:
        out.append((name, cert))
        if cert is not None:
            continue
        pattern = re.compile(re.escape(name.lower() if fold else name) + r"-([1-9][0-9]{0,5})\Z")
        found = [(int(match.group(1)), other) for other, match in ((o, pattern.match(o)) for o in existing)
                 if match and other not in names]
        out.extend((other, None) for _number, other in sorted(found))
        names.update(other for _number, other in found)
    return out


def anchor_result(name, cert, path, action):
    result = {"name": name, "path": path, "action": action}
    if cert is not None:
        result.update(subject=cert.subject.rfc4514_string(), sha256=fingerprint_sha256(cert),
                      not_after=not_valid_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return result


# ------------------------------------------------------------------------------------ stores
def run_system(module, params, writer, expanded):
    family = params["os_family"] if params["os_family"] != "auto" else detect_family()
    layout = SYSTEM_STORES[family]
    directory = params.get("store_dir") or layout["dir"]
    results = []
    common.ensure_parent(writer, os.path.join(directory, "x"), False)
    if params["state"] == "absent":
        suffix = layout["suffix"]
        files = [n[:-len(suffix)] for n in (list_folder(directory, "store_dir") or []) if n.endswith(suffix)]
        expanded = with_numbered(expanded, "absent", files)
    for name, cert in expanded:
        path = os.path.join(directory, name + layout["suffix"])
        if params["state"] == "present":
            writer.plan(path, certificate_pem(cert), mode=params["mode"] or "0644", owner=params["owner"],
                        group=params["group"], backup=False, label=name)
        else:
            writer.plan_remove(path, label=name)
        results.append(anchor_result(name, cert, path, writer.results[os.path.abspath(path)]))
    content_changed = any(r["action"] in ("create", "replace", "remove") for r in results)
    writer.commit()
    if content_changed and not module.check_mode:
        command = params.get("update_command") or layout["update"]
        rc, out, err = module.run_command(command)
        if rc != 0:
            writer.revert()
            raise RocError("the trust store update command '%s' failed (rc %d), the anchor files were put back: %s" % (
                " ".join(command), rc, (err or out).strip()))
    return results, {"os_family": family, "store_dir": directory}


def run_bundle(module, params, writer, expanded):
    path = params.get("bundle_path")
    if not path:
        raise RocError("bundle_path: required with store=bundle")
    blocks = _read_bundle(path)
    expanded = with_numbered(expanded, params["state"], list(blocks))
    for name, cert in expanded:
        if params["state"] == "present":
            blocks[name] = certificate_pem(cert).decode("ascii")
        else:
            blocks.pop(name, None)
    if params["state"] == "present":
        # exactly the given anchors
        blocks = dict((name, blocks[name]) for name, _cert in expanded)
    common.ensure_parent(writer, path, False)
    if blocks:
        text = "".join("%s%s\n%s" % (BUNDLE_MARK, name, pem) for name, pem in blocks.items())
        writer.plan(path, text.encode("ascii"), mode=params["mode"] or "0644", owner=params["owner"],
                    group=params["group"], backup=params["backup"], label="bundle_path")
    else:
        writer.plan_remove(path, label="bundle_path")
    writer.commit()
    action = writer.results.get(os.path.abspath(path), "none")
    return [anchor_result(name, cert, path, action) for name, cert in expanded], {"bundle_path": path}


def _read_bundle(path):
    """{anchor name: PEM} of the bundle at path ({} when absent), read without following links (a link or special
    file at bundle_path, or in its folders, is refused naming it). A bundle that is not ASCII text is refused,
    naming it: it is no PEM bundle this module wrote, and it would not be written back."""
    found = read_regular(path, "bundle_path", missing_ok=True)
    if found is None:
        return {}
    try:
        text = found[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RocError("bundle_path: %s is not UTF-8 text (byte %d is not): not a PEM bundle of certificates; move it "
                       "aside or give another path" % (path, exc.start))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks, current = {}, None
    for number, line in enumerate(text.splitlines(True), 1):
        if any(ord(char) > 127 for char in line):
            raise RocError("bundle_path: %s holds non-ASCII text (line %d): a PEM bundle of certificates is ASCII; move "
                           "it aside or give another path" % (path, number))
        if line.startswith(BUNDLE_MARK):
            current = line[len(BUNDLE_MARK):].strip()
            blocks[current] = ""
        elif current is not None:
            blocks[current] += line
    return blocks


def _find_keytool(module, params):
    keytool = params["keytool_path"]
    if not os.path.isabs(keytool):
        keytool = module.get_bin_path(keytool)
    if not keytool or not os.path.exists(keytool):
        raise RocError("keytool: not found on this host; install a Java runtime (Debian/Ubuntu: default-jre-headless)")
    return keytool


def run_java(module, params, writer, expanded):
    path, password = params.get("keystore_path"), params.get("keystore_password")
    if not path or not password:
        raise RocError("keystore_path and keystore_password: required with store=java")
    env = {"ROC_KEYSTORE_PASSWORD": password}
    present = {}
    # read once, without following links (a link or special file at keystore_path is refused); keytool only ever
    # sees private copies of these bytes, never the path
    found = read_regular(path, "keystore_path", missing_ok=True)
    old = found[0] if found is not None else None
    if old is not None:
        # the warm path reads the PKCS#12 truststore in Python; keytool (a JVM start) only when it must
        present = _keystore_entries_read(old, password)
        if present is None:
            present = _keystore_entries(module, _find_keytool(module, params), old, env)
    expanded = with_numbered(expanded, params["state"], list(present), fold=True)
    wanted = dict((name, cert) for name, cert in expanded)
    actions = {}
    for name, cert in expanded:
        alias = name.lower()  # keytool folds aliases to lower case
        if params["state"] == "present":
            if alias not in present:
                actions[name] = "create"
            elif present[alias] != normalize_fingerprint(fingerprint_sha256(cert)):
                actions[name] = "replace"
            else:
                actions[name] = "none"
        else:
            actions[name] = "remove" if alias in present else "none"
    results = [anchor_result(name, wanted[name], path, actions[name]) for name, _cert in expanded]
    todo = [n for n, a in actions.items() if a != "none"]
    if not todo:
        return results, {"keystore_path": path}
    shown = ("".join("%s\n" % a for a in sorted(present)), "".join("%s: %s\n" % (n, actions[n]) for n in sorted(todo)))
    if module.check_mode:
        writer.predict(path, shown[1], before=shown[0])
        return results, {"keystore_path": path}
    keytool = _find_keytool(module, params)
    common.ensure_parent(writer, path, True, params["owner"], params["group"])
    work = _workdir(module)  # keytool works on a copy in a private folder; the writer swaps the result in
    try:
        copy = os.path.join(work, "keystore")
        if old is not None:
            _write_private(copy, old)
        for name in todo:
            alias = name.lower()
            if actions[name] in ("replace", "remove"):
                _keytool(module, [keytool, "-delete", "-alias", alias, "-keystore", copy,
                                  "-storepass:env", "ROC_KEYSTORE_PASSWORD"], env)
            if actions[name] in ("create", "replace"):
                pem = os.path.join(work, alias + ".pem")
                with open(pem, "wb") as handle:
                    handle.write(certificate_pem(wanted[name]))
                _keytool(module, [keytool, "-importcert", "-noprompt", "-trustcacerts", "-alias", alias,
                                  "-file", pem, "-keystore", copy, "-storetype", "PKCS12",
                                  "-storepass:env", "ROC_KEYSTORE_PASSWORD"], env)
        with open(copy, "rb") as handle:
            data = handle.read()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    writer.plan(path, data, mode=params["mode"] or "0644", owner=params["owner"], group=params["group"],
                backup=params["backup"], label="keystore_path", shown=shown)
    writer.commit()
    return results, {"keystore_path": path}


def _keytool(module, argv, env):
    rc, out, err = module.run_command(argv, environ_update=env)
    if rc != 0:
        raise RocError("keytool %s failed (rc %d): %s" % (argv[1], rc, (err or out).strip()))
    return out


def _workdir(module):
    """A private (0700) folder for keytool's copies, in the module's own temporary folder."""
    try:
        base = module.tmpdir
    except Exception:  # no usable remote tmp: the system's (mkdtemp makes it 0700 under a name of its own)
        base = None
    return tempfile.mkdtemp(prefix="esante-roc-", dir=base)


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _keystore_entries_read(data, password):
    """{alias: SHA-256 fingerprint (plain hex)} of a PKCS#12 truststore (its bytes) read with cryptography (>= 36), or
    None when it cannot be read that way (a JKS store, an older cryptography, an entry without alias): the caller
    asks keytool."""
    try:
        prints = store_fingerprints(data, password, "truststore")
    except RocError:
        return None
    if prints is None or any(not alias for alias, _fingerprint in prints):
        return None
    return dict((alias.lower(), normalize_fingerprint(fingerprint)) for alias, fingerprint in prints)


def _keystore_entries(module, keytool, data, env):
    """{alias: SHA-256 fingerprint (plain hex)} of a keystore (its bytes), as keytool lists it (from a private
    copy)."""
    work = _workdir(module)
    try:
        copy = os.path.join(work, "keystore")
        _write_private(copy, data)
        out = _keytool(module, [keytool, "-list", "-v", "-keystore", copy, "-storepass:env", "ROC_KEYSTORE_PASSWORD"],
                       env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    entries, alias = {}, None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Alias name:"):
            alias = line.split(":", 1)[1].strip().lower()
        elif line.startswith("SHA256:") and alias is not None and alias not in entries:
            entries[alias] = normalize_fingerprint(line.split(":", 1)[1])
    return entries


RUNNERS = {"system": run_system, "bundle": run_bundle, "java": run_java}


def store_params(params, index, spec, expanded):
    """(settings, anchors) of one store: its entry of `stores` over the top-level options, and the
    certificates of the anchors it names (all of them when it names none), from the one expansion."""
    merged = dict(params)
    merged.update((k, v) for k, v in spec.items() if v is not None and k != "anchors")
    names = list(expanded)
    if spec.get("anchors") is not None:
        unknown = [n for n in spec["anchors"] if n not in expanded]
        if unknown:
            raise RocError("stores[%d] (%s): anchors %s are not in the anchors list" % (index, spec["store"], unknown))
        names = [n for n in names if n in spec["anchors"]]
    return merged, [entry for name in names for entry in expanded[name]]


def run(module):
    """The host's prerequisites first when asked (one execution prepares the host), then every store of the call,
    one after the other; when one fails, the stores already done are put back."""
    params = module.params
    host = None
    if params.get("prerequisites"):
        host = backend_prerequisites.check(module, params["prerequisites"])
        if host["cryptography_problem"]:
            return dict(host, failed=True)  # the action plugin installs the package when asked, and runs again
    result = run_stores(module, params)
    if host is not None:
        result["changed"] = result["changed"] or host["changed"]
        if module._diff:
            result["diff"] = host.get("diff", []) + result.get("diff", [])
        result["prerequisites"] = dict((k, host.get(k)) for k in (
            "cryptography_version", "cryptography_min_version", "cryptography_problem", "group", "gid", "changed"))
    return result


def run_stores(module, params):
    expanded = expand_anchors(params["anchors"], params["state"])  # every anchor checked before any store changes
    specs = [{"store": params["store"]}] if params.get("stores") is None else params["stores"]
    done, anchors, stores = [], [], []
    try:
        for index, spec in enumerate(specs):
            merged, selected = store_params(params, index, spec, expanded)
            writer = FileWriter(module)
            results, extra = RUNNERS[merged["store"]](module, merged, writer, selected)
            done.append((merged, writer, extra))
            for item in results:
                item["store"] = merged["store"]
            anchors.extend(results)
            stores.append(dict(extra, store=merged["store"], changed=writer.changed))
    except RocError:
        _put_back(module, done)
        raise
    result = {"changed": any(w.changed for _p, w, _e in done),
              "backup_files": dict((k, v) for _p, w, _e in done for k, v in w.backup_files.items())}
    if module._diff:
        result["diff"] = [d for _p, w, _e in done for d in w.diff]
    if len(specs) == 1 and not params.get("stores"):
        result.update(done[0][2])
    result["anchors"] = anchors
    result["stores"] = stores
    return result


def _put_back(module, done):
    for merged, writer, extra in reversed(done):
        writer.revert()
        if merged["store"] == "system" and writer.changed and not module.check_mode:
            command = merged.get("update_command") or SYSTEM_STORES[extra["os_family"]]["update"]
            module.run_command(command)
