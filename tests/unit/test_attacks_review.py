"""Regressions of the adversarial review (1.3.0 hardening), run for real: modules as processes (as ansible runs them),
real keys and certificates (the lab PKI, cryptography, and the openssl CLI for the MD5 / SHA-1 signatures that
cryptography no longer makes), judged on the files, the output and what reaches the target's log. One section per
finding: 1 the invocation in syslog, 2 failures of ansible's own argument checks, 3 key files used as they are,
4 one path planned twice, 5 trust_anchor absent by name, 6 floods of same-name CAs, 7 clean errors instead of
tracebacks, 8 weak signature hashes, 9 key folders, key modes, anchor names and the usage of a service."""

import base64
import grp
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from ansible_collections.esante.roc.plugins.module_utils import igc_anchors, loader
from ansible_collections.esante.roc.plugins.module_utils.loader import RocError
from ansible_collections.esante.roc.plugins.module_utils.writer import FileWriter

from conftest import PASS, openssl, read
from test_attacks_chain import (AUTH_KU, CA_KU, CLIENT, LAB_ACI, LAB_ACR, SIGN_KU, TEST_OU, ca_pair, leaf_pair, make,
                                name, new_key, p12, pem)
from test_trust_anchor import lab_anchors

AUTH = "Client_ROC_Annuaire_AMC"
SIGN = "Client_ROC_WebServices_AMC"
SUBJECT = dict(organization="CHU LAB DE DIJON", structure_id="1210780581")
SECRET = "review-Secret-never-shown-8c1f"
KS_PASS = "lab-only-keystore-pass-2026"
NOBODY = pwd.getpwnam("nobody")
DAEMON_GID = grp.getgrnam("daemon").gr_gid
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="plants files of another user: root only")


# ----------------------------------------------------------------------------------------------- helpers

def refused(result, *needles):
    assert result.get("failed") is True, result
    assert "Traceback" not in result["_stdout"] and not result.get("exception"), result["_stdout"]
    for needle in needles:
        assert needle in result["msg"], (needle, result["msg"])
    return result["msg"]


def b64(path):
    return base64.b64encode(read(path)).decode()


def owner_mode(path):
    st = os.lstat(path)
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def folder_mode(path):
    st = os.lstat(path)
    assert stat.S_ISDIR(st.st_mode), path
    return stat.S_IMODE(st.st_mode)


def site_key(fx, tmp_path, name="k.key", mode=0o600):
    """A copy of the site's key (the lab CLI leaf's), root's, with this mode."""
    path = tmp_path / "site" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(read(os.path.join(fx["cli"], "leaf.key")))
    os.chmod(str(path), mode)
    return str(path)


def anchors_file(fx, tmp_path):
    path = tmp_path / "anchors.pem"
    if not path.exists():
        tmp_path.mkdir(parents=True, exist_ok=True)
        path.write_bytes(read(fx["aci"]) + read(fx["acr"]))
    return str(path)


def certificate_args(fx, tmp_path, **extra):
    out = tmp_path / "out"
    args = dict(content=read(os.path.join(fx["cli"], "leaf.pem")).decode(), privatekey_path=site_key(fx, tmp_path),
                path=str(out / "leaf.crt"), chain_path=str(out / "chain.pem"), service=AUTH, usage="auth_cli",
                ca_path=anchors_file(fx, tmp_path))
    args.update(extra)
    return args


def csr_args(tmp_path, **extra):
    args = dict(privatekey_path=str(tmp_path / "private" / "a.key"), csr_path=str(tmp_path / "a.csr"), service=AUTH,
                **SUBJECT)
    args.update(extra)
    return args


def unpack_args(fx, tmp_path, **extra):
    args = dict(content=b64(fx["p12"]["auth_cli"]), passphrase=PASS, dest=str(tmp_path / "roc" / AUTH), service=AUTH,
                usage="auth_cli", ca_path=anchors_file(fx, tmp_path))
    args.update(extra)
    return args


@pytest.fixture(scope="module")
def igc_lab(fx):
    """(ACR, ACI) of the lab's test range, (certificate, key) each: the real lab keys."""
    def pair(rel):
        return (loader.load_certificate(read(os.path.join(fx["pki"], rel + ".pem"))),
                serialization.load_pem_private_key(read(os.path.join(fx["pki"], rel + ".key")), None))
    return pair("igc/ACR-EL-TEST"), pair("igc/ACI-EL-ORG-TEST")


def sitecustomize(folder, code):
    """A sitecustomize.py in folder (put on PYTHONPATH: imported at the module's interpreter start)."""
    os.makedirs(str(folder), exist_ok=True)
    (folder / "sitecustomize.py").write_text(code)
    return str(folder)


# --------------------------------------------------------------------- 1. nothing of an invocation is logged
CAPTURE_LOG = '''
import os
import syslog

_path = os.environ["ROC_CAPTURED_LOG"]


def _capture(*args, **kwargs):
    with open(_path, "a") as handle:
        handle.write(repr(kwargs.get("MESSAGE", args[-1] if args else "")) + "\\n")


syslog.syslog = _capture
syslog.openlog = lambda *args, **kwargs: None
try:
    from systemd import journal
    journal.send = _capture
except ImportError:
    pass
'''


def test_no_module_logs_its_invocation(mod, fx, tmp_path):
    """AnsibleModule logs "Invoked with <every option not marked no_log>" to syslog / the journal, even when the
    controller says _ansible_no_log=false: a keystore password in a configuration file, a key pasted in a content.
    Every module of the collection logs nothing of its invocation (the capture itself is proven by a probe)."""
    log = tmp_path / "captured.log"
    env = {"PYTHONPATH": sitecustomize(tmp_path / "capture", CAPTURE_LOG), "ROC_CAPTURED_LOG": str(log)}
    probe = subprocess.run([sys.executable, "-c", "import syslog; syslog.syslog(syslog.LOG_INFO, 'probe')"],
                           env=dict(os.environ, **env), check=True)
    assert probe.returncode == 0 and "probe" in log.read_text()
    log.unlink()
    key_pem = read(os.path.join(fx["cli"], "leaf.key")).decode()
    config = [{"path": str(tmp_path / "etc" / "roc.properties"), "content": "keystore.password=%s\n" % SECRET},
              {"path": str(tmp_path / "etc" / "client.pem"), "content": key_pem, "mode": "0600"}]
    runs = [
        ("config_files", dict(files=config)),
        ("csr", csr_args(tmp_path, privatekey_passphrase=SECRET)),
        ("certificate_info", dict(content=read(fx["aci"]).decode())),
        ("prerequisites", dict()),
        ("trust_anchor", dict(state="absent", anchors=[{"name": "lab-none"}], os_family="debian",
                              store_dir=str(tmp_path / "anchors"), update_command=["true"])),
        ("pkcs12_unpack", unpack_args(fx, tmp_path, keystore_path=str(tmp_path / "ks.p12"), keystore_passphrase=SECRET)),
    ]
    for module, args in runs:
        result = mod(module, _ansible_no_log=False, env=env, **args)
        assert not result.get("failed"), (module, result)
        assert "PRIVATE KEY" not in result["_stdout"], module
        if module != "config_files":  # a configuration file's text is echoed in the result (not logged)
            assert SECRET not in result["_stdout"], module
    logged = log.read_text() if log.exists() else ""
    assert SECRET not in logged and "PRIVATE KEY" not in logged, logged
    assert "Invoked" not in logged, logged


def test_the_module_object_keeps_no_log_whatever_the_controller_says(monkeypatch, tmp_path):
    """In process: the module object of every esante.roc module has no_log set after ansible's internal
    properties (an _ansible_no_log=false would otherwise turn the invocation log back on)."""
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    from ansible_collections.esante.roc.plugins.module_utils import backend_csr, common
    args = dict(csr_args(tmp_path), privatekey_passphrase=SECRET, _ansible_no_log=False)
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    if hasattr(basic, "_ANSIBLE_PROFILE"):  # ansible-core >= 2.19: how the arguments are decoded
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    if hasattr(basic, "_PARSED_MODULE_ARGS"):
        monkeypatch.setattr(basic, "_PARSED_MODULE_ARGS", None)
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "_log_to_syslog", lambda self, msg: logged.append(msg))
    monkeypatch.setattr(basic, "has_journal", False)
    module = common.new_module(backend_csr.ARGUMENT_SPEC, supports_check_mode=True)
    assert module.no_log is True
    module._log_invocation()
    module.log("anything")
    assert logged == []


# ------------------------------------------------------------- 2. argument failures echo no secret
def test_failures_of_the_argument_checks_show_no_secret(mod, fx, tmp_path):
    """A misspelled option, an option given where only items take it, a wrong type: ansible's own argument check
    fails before the module runs, and its result echoes the arguments. A secret never appears there, whatever
    option holds it."""
    key_pem = read(os.path.join(fx["cli"], "leaf.key")).decode()
    cases = [
        ("csr", dict(csr_args(tmp_path), items=[{"privatekey_passphrase": SECRET, "service": AUTH}]),
         "items.privatekey_passphrase"),
        ("pkcs12_unpack", dict(unpack_args(fx, tmp_path), passphrse=SECRET), "passphrse"),
        ("pkcs12_unpack", dict(unpack_args(fx, tmp_path, passphrase=SECRET), keep_backups="many"), "keep_backups"),
        ("certificate", dict(certificate_args(fx, tmp_path), private_key=key_pem), "private_key"),
        ("keystore", dict(path=str(tmp_path / "k.p12"), alias=AUTH, passphrase=SECRET, privatekey_path="/nonexistent",
                          certificate_path="/nonexistent", key_passphrase=SECRET), "key_passphrase"),
    ]
    for module, args, named in cases:
        result = mod(module, **args)
        refused(result, named)
        assert SECRET not in result["_stdout"], (module, result["_stdout"])
        assert "PRIVATE KEY" not in result["_stdout"], (module, result["_stdout"])
    assert not (tmp_path / "roc").exists() and not (tmp_path / "out").exists()


# ---------------------------------------------------------- 3. a key file is used as it is only when trusted
def _plant(path, case):
    if case == "foreign":
        os.chown(path, NOBODY.pw_uid, NOBODY.pw_gid)
    else:
        os.chmod(path, int(case, 8))
    return {"foreign": "uid %d" % NOBODY.pw_uid}.get(case, "mode %s" % case)


@as_root
@pytest.mark.parametrize("case", ["foreign", "0666", "0644", "0620", "2600"])
def test_certificate_and_keystore_refuse_a_key_file_others_may_know(mod, fx, tmp_path, case):
    """The key at privatekey_path (certificate, keystore) or next_privatekey_path (certificate) is used as it is,
    not rewritten: one of another user, or one whose mode lets others read it or its group write it, may be known
    or replaced by someone else; it is refused naming its path, as esante.roc.csr refuses to adopt it."""
    args = certificate_args(fx, tmp_path)
    key = args["privatekey_path"]
    reason = _plant(key, case)
    before = owner_mode(key)
    refused(mod("certificate", **args), key, reason, "not adopted")
    refused(mod("certificate", check_mode=True, **args), key, reason)
    assert not (tmp_path / "out").exists() and owner_mode(key) == before
    leaf = tmp_path / "site" / "leaf.pem"
    leaf.write_bytes(read(os.path.join(fx["cli"], "leaf.pem")))
    keystore = dict(path=str(tmp_path / "ks" / "svc.p12"), alias=AUTH, passphrase=KS_PASS, privatekey_path=key,
                    certificate_path=str(leaf))
    refused(mod("keystore", **keystore), key, reason, "not adopted")
    assert not (tmp_path / "ks").exists()
    # the renewal key waiting next to the live one: the same rule
    os.chown(key, 0, 0)
    os.chmod(key, 0o600)
    waiting = site_key(fx, tmp_path, "k.next.key")
    reason = _plant(waiting, case)
    refused(mod("certificate", **dict(args, next_privatekey_path=waiting)), waiting, reason)
    assert not (tmp_path / "out").exists()


@as_root
def test_the_install_record_does_not_answer_for_a_key_made_readable_since(mod, fx, tmp_path):
    """After an install, the key is made 0666 (or given to another user): the next call is not answered from the
    record of the last one, it refuses the key."""
    args = certificate_args(fx, tmp_path)
    assert mod("certificate", **args)["changed"]
    assert mod("certificate", **args)["changed"] is False
    os.chmod(args["privatekey_path"], 0o666)
    refused(mod("certificate", **args), args["privatekey_path"], "mode 0666")
    os.chmod(args["privatekey_path"], 0o600)
    os.chown(args["privatekey_path"], NOBODY.pw_uid, NOBODY.pw_gid)
    refused(mod("certificate", **args), args["privatekey_path"], "uid %d" % NOBODY.pw_uid)
    os.chown(args["privatekey_path"], 0, 0)
    assert mod("certificate", **args)["changed"] is False
    # a key of the owner asked is that owner's to hold
    os.chown(args["privatekey_path"], NOBODY.pw_uid, DAEMON_GID)
    os.chmod(args["privatekey_path"], 0o640)
    result = mod("certificate", **dict(args, owner="nobody", group="daemon", mode="0640"))
    assert not result.get("failed"), result


# -------------------------------------------------------------------------- 4. one path planned twice
class _Module(object):
    check_mode = False
    params = {}
    _diff = False

    def warn(self, message):
        pass

    def selinux_enabled(self):
        return False


def test_the_writer_refuses_one_destination_planned_twice(tmp_path):
    target = str(tmp_path / "a" / "file.pem")
    writer = FileWriter(_Module())
    writer.plan(target, b"first\n", label="chain_path")
    with pytest.raises(RocError) as error:
        writer.plan(target, b"second\n", label="fullchain_path")
    assert target in str(error.value) and "chain_path" in str(error.value)
    with pytest.raises(RocError):
        writer.plan_remove(target, label="next_csr_path")
    other = FileWriter(_Module())
    other.plan_remove(target, label="old")  # absent: nothing to remove, the path is still taken
    with pytest.raises(RocError):
        other.plan(target, b"x\n")
    assert not os.path.lexists(target)


def test_modules_refuse_two_files_at_one_path(mod, fx, tmp_path):
    args = certificate_args(fx, tmp_path)
    refused(mod("certificate", **dict(args, fullchain_path=args["chain_path"])), args["chain_path"], "two files")
    refused(mod("certificate", **dict(args, combined_path=args["path"])), args["path"], "two files")
    assert not (tmp_path / "out").exists()
    dest = str(tmp_path / "roc" / AUTH)
    item = dict(content=b64(fx["p12"]["auth_cli"]), dest=dest, service=AUTH)
    result = mod("pkcs12_unpack", items=[item, dict(item)], passphrase=PASS, usage="auth_cli",
                 ca_path=anchors_file(fx, tmp_path))
    refused(result, "items[1]", os.path.join(dest, AUTH + ".key"))
    assert not (tmp_path / "roc").exists()


# ----------------------------------------------------------------- 5. trust_anchor absent by name
def _store_listing(fx, store, tmp_path):
    if store == "system":
        return sorted(os.listdir(str(tmp_path / "anchors")))
    if store == "bundle":
        text = (tmp_path / "bundle.pem").read_text() if (tmp_path / "bundle.pem").exists() else ""
        return sorted(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("# esante.roc anchor: "))
    if not (tmp_path / "truststore.p12").exists():
        return []
    out = subprocess.run(["keytool", "-list", "-keystore", str(tmp_path / "truststore.p12"), "-storepass", KS_PASS],
                         capture_output=True, text=True, check=True).stdout
    return sorted(line.split(",")[0] for line in out.splitlines() if "trustedCertEntry" in line)


@pytest.mark.parametrize("store", ["system", "bundle", "java"])
def test_trust_anchor_absent_by_name_removes_the_numbered_entries(mod, fx, tmp_path, store):
    """A file of several CA certificates is split into <name>-1, <name>-2 ...: state=absent with the name only
    removes them all, and nothing else (another anchor whose name starts the same is kept)."""
    if store == "java" and not shutil.which("keytool"):
        pytest.skip("no keytool on this host")
    both = read(fx["aci"]).decode() + read(fx["acr"]).decode()
    anchors = [{"name": "lab-igc", "content": both}, {"name": "lab-igc-extra", "content": lab_anchors(fx)[2]["content"]},
               {"name": "lab-igcx", "content": pem(ca_pair("LAB OTHER CA", base=[])[0])}]
    settings = {"system": dict(os_family="debian", store_dir=str(tmp_path / "anchors"), update_command=["true"]),
                "bundle": dict(bundle_path=str(tmp_path / "bundle.pem")),
                "java": dict(keystore_path=str(tmp_path / "truststore.p12"), keystore_password=KS_PASS)}[store]
    assert mod("trust_anchor", store=store, anchors=anchors, **settings)["changed"]
    suffix = ".crt" if store == "system" else ""
    fold = (lambda n: n.lower()) if store == "java" else (lambda n: n)
    made = [fold(n) + suffix for n in ("lab-igc-1", "lab-igc-2", "lab-igc-extra", "lab-igcx")]
    assert _store_listing(fx, store, tmp_path) == sorted(made)
    assert mod("trust_anchor", store=store, anchors=anchors, **settings)["changed"] is False
    result = mod("trust_anchor", store=store, state="absent", anchors=[{"name": "lab-igc"}], **settings)
    assert result["changed"], result
    named = sorted(a["name"] for a in result["anchors"])
    assert named == ["lab-igc", fold("lab-igc-1"), fold("lab-igc-2")], result["anchors"]
    assert _store_listing(fx, store, tmp_path) == sorted(made[2:])
    assert mod("trust_anchor", store=store, state="absent", anchors=[{"name": "lab-igc"}], **settings)["changed"] is False


# ---------------------------------------------------------------------- 6. floods of same-name CAs
class _TooLong(Exception):
    pass


def _within(seconds, call):
    def alarm(_signum, _frame):
        raise _TooLong()
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.time()
    try:
        return call(), time.time() - started
    except _TooLong:
        pytest.fail("the path search ran for more than %d s" % seconds)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _mesh(size=4):
    """CAs of two names A and B that sign each other in every combination: size keys of each name, size * size
    certificates of each (every A key certified by every B key, and back): 2 * size * size CA certificates whose
    paths are countless, none to an anchor."""
    base = [(NameOID.ORGANIZATION_NAME, "LAB MESH")]
    names = {"A": name("LAB MESH CA", base + [(NameOID.ORGANIZATIONAL_UNIT_NAME, "A")]),
             "B": name("LAB MESH CA", base + [(NameOID.ORGANIZATIONAL_UNIT_NAME, "B")])}
    keys = {"A": [new_key() for _index in range(size)], "B": [new_key() for _index in range(size)]}
    certs = []
    for mine, theirs in (("A", "B"), ("B", "A")):
        for own in keys[mine]:
            for signer in keys[theirs]:
                certs.append(make(names[mine], own.public_key(), names[theirs], signer, ca="none", ku=CA_KU, eku=None))
    return names, keys, certs


def test_a_flood_of_same_name_cas_ends_fast_with_the_right_verdict(igc_lab):
    acr, aci = igc_lab
    # 40 look-alikes of the lab ACI before the real one: the real path is found, quickly
    lookalikes = [ca_pair(LAB_ACI, base=TEST_OU)[0] for _index in range(40)]
    cert, _key = leaf_pair(aci)
    chain, took = _within(30, lambda: loader.validate_path(cert, lookalikes + [aci[0]], [acr[0]], "bundle"))
    expected = [aci[0].fingerprint(hashes.SHA256()), acr[0].fingerprint(hashes.SHA256())]
    assert [c.fingerprint(hashes.SHA256()) for c in chain] == expected
    assert took < 15, took
    # a mesh of CAs that certify each other (40 certificates, countless paths), none to an anchor: a refusal, fast
    names, keys, mesh = _mesh(4)
    mesh += [ca_pair("LAB MESH CA", base=[(NameOID.ORGANIZATION_NAME, "LAB MESH"),
                                          (NameOID.ORGANIZATIONAL_UNIT_NAME, "A")])[0] for _index in range(8)]
    victim = make(name(AUTH), new_key().public_key(), names["A"], keys["A"][0])

    def search():
        with pytest.raises(RocError) as error:
            loader.validate_path(victim, mesh, [acr[0]], "bundle")
        return str(error.value)
    message, took = _within(30, search)
    assert "gave up" in message and "64" in message and "LAB MESH CA" in message, message
    assert took < 15, took


def test_a_bundle_flooded_with_same_name_cas_is_refused_fast(mod, fx, tmp_path, igc_lab):
    acr, aci = igc_lab
    names, keys, mesh = _mesh(4)
    key = new_key()
    leaf = make(name(AUTH, [(NameOID.ORGANIZATION_NAME, "CHU LAB DE DIJON")]), key.public_key(), names["A"],
                keys["A"][0])
    started = time.time()
    result = mod("pkcs12_unpack", timeout=60, **unpack_args(fx, tmp_path, content=p12(key, leaf, mesh)))
    refused(result, "gave up")
    assert time.time() - started < 45
    assert not (tmp_path / "roc").exists()
    # the lab's own certificate behind 40 look-alikes of its ACI: installed
    cert, key = leaf_pair(aci)
    lookalikes = [ca_pair(LAB_ACI, base=TEST_OU, issuer=ca_pair(LAB_ACR, base=TEST_OU))[0] for _index in range(40)]
    args = unpack_args(fx, tmp_path / "ok", content=p12(key, cert, lookalikes + [aci[0]]), ca_path=fx["acr"])
    result = mod("pkcs12_unpack", timeout=60, **args)
    assert result["changed"] and len(result["chain"]) == 2, result


# ------------------------------------------------------------------- 7. clean errors, never a traceback
@pytest.mark.parametrize("extra,needles", [
    (dict(owner="99999999999999999999"), ("owner", "not a valid user id")),
    (dict(group="4294967296"), ("group", "not a valid group id")),
    (dict(owner="\u0661\u0662"), ("owner", "does not exist")),
    (dict(service="A" * 65), ("service", "64")),
    (dict(country="\u00c9\u00c9"), ("country", "two-letter")),
    (dict(structure_id="\u0661\u0662\u0661\u0660"), ("structure_id", "ASCII digits")),
    (dict(privatekey_path="/tmp/roc\u0000review.key"), ("privatekey_path", "NUL")),
    (dict(organization="CHU \ud800 LAB"), ("organization", "surrogate")),
    (dict(privatekey_passphrase="pass-\udfff"), ("privatekey_passphrase", "surrogate")),
    (dict(csr_path="/tmp/" + "c" * 256 + ".csr"), ("csr_path", "255")),
])
def test_csr_bad_inputs_are_clean_failures(mod, tmp_path, extra, needles):
    args = csr_args(tmp_path, **extra)
    result = mod("csr", **args)
    refused(result, *needles)
    assert not os.path.lexists(str(tmp_path / "private")) and not os.path.lexists(str(tmp_path / "a.csr"))


def test_config_files_validate_that_cannot_be_split_is_a_clean_failure(mod, tmp_path):
    path = str(tmp_path / "etc" / "app.conf")
    result = mod("config_files", files=[{"path": path, "content": "x=1\n", "validate": "cat '%s"}])
    refused(result, "validate", "cannot be split", "quotation")
    assert not os.path.lexists(str(tmp_path / "etc"))


def test_a_certificate_name_near_the_file_name_limit(mod, fx, tmp_path):
    """A certificate named 250 characters: its install record's name would pass the limit of a file name (255):
    the install works, without a record (every call takes the full check); a name over the limit is refused
    naming the option."""
    out = tmp_path / "out"
    args = certificate_args(fx, tmp_path, path=str(out / ("c" * 246 + ".crt")), chain_path=None)
    assert mod("certificate", **args)["changed"]
    assert mod("certificate", **args)["changed"] is False
    assert sorted(os.listdir(str(out))) == ["c" * 246 + ".crt"]
    refused(mod("certificate", **dict(args, path=str(out / ("d" * 252 + ".crt")))), "path", "256 bytes", "255")
    refused(mod("certificate", **dict(args, chain_path=str(out / ("\u00e9" * 128)))), "chain_path", "255")


INJECT = '''
import os
from cryptography import x509


def _boom(*args, **kwargs):
    raise RuntimeError("injected failure, passphrase " + os.environ["ROC_SECRET"])


x509.CertificateSigningRequestBuilder.sign = _boom
'''


def test_an_unexpected_exception_is_a_clean_failure_without_secret(mod, tmp_path):
    env = {"PYTHONPATH": sitecustomize(tmp_path / "inject", INJECT), "ROC_SECRET": SECRET}
    result = mod("csr", env=env, **csr_args(tmp_path, privatekey_passphrase=SECRET))
    refused(result, "RuntimeError", "injected failure")
    assert SECRET not in result["_stdout"]
    assert not os.path.lexists(str(tmp_path / "a.csr"))


# ------------------------------------------------------------------------------ 8. weak signature hashes
def _openssl_sign(tmp_path, csr_pem, ca_cert, ca_key, digest, extensions, stem):
    """A certificate made by the openssl CLI from a CSR, signed by a CA with this digest (cryptography no longer
    signs with MD5 or SHA-1)."""
    folder = tmp_path / "openssl"
    folder.mkdir(exist_ok=True)
    paths = dict((k, str(folder / ("%s.%s" % (stem, k)))) for k in ("csr", "ca", "cakey", "ext", "pem"))
    with open(paths["csr"], "wb") as handle:
        handle.write(csr_pem)
    with open(paths["ca"], "wb") as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["cakey"], "wb") as handle:
        handle.write(ca_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    with open(paths["ext"], "w") as handle:
        handle.write(extensions)
    openssl("x509", "-req", "-in", paths["csr"], "-CA", paths["ca"], "-CAkey", paths["cakey"], "-set_serial",
            str(x509.random_serial_number()), "-days", "30", "-%s" % digest, "-extfile", paths["ext"], "-out", paths["pem"])
    return read(paths["pem"])


LEAF_EXT = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
CA_EXT = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"


@pytest.mark.parametrize("digest,algorithm", [("sha1", "sha1WithRSAEncryption"), ("md5", "md5WithRSAEncryption")])
def test_a_leaf_signed_with_a_weak_hash_is_refused(mod, fx, tmp_path, igc_lab, digest, algorithm):
    aci = igc_lab[1]
    weak = _openssl_sign(tmp_path, read(os.path.join(fx["cli"], "leaf.csr")), aci[0], aci[1], digest, LEAF_EXT, "leaf")
    assert loader.load_certificate(weak).signature_algorithm_oid._name == algorithm
    args = certificate_args(fx, tmp_path, content=weak.decode())
    refused(mod("certificate", **args), "CN=Client_ROC_Annuaire_AMC", algorithm, "SHA-256")
    assert not (tmp_path / "out").exists()
    # the same request signed with SHA-256 by the same CA: installed
    sound = _openssl_sign(tmp_path, read(os.path.join(fx["cli"], "leaf.csr")), aci[0], aci[1], "sha256", LEAF_EXT, "ok")
    assert mod("certificate", **dict(args, content=sound.decode()))["changed"]


def _csr(key, subject):
    return x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256()).public_bytes(
        serialization.Encoding.PEM)


def test_a_ca_signed_with_sha1_in_the_path_is_refused(mod, fx, tmp_path):
    root = ca_pair("LAB WEAK ROOT", base=[])
    inter_key = new_key()
    inter_name = name("LAB SHA1 INTERMEDIATE", [(NameOID.ORGANIZATION_NAME, "LAB")])
    inter = loader.load_certificate(_openssl_sign(tmp_path, _csr(inter_key, inter_name), root[0], root[1], "sha1",
                                                  CA_EXT, "inter"))
    assert inter.signature_algorithm_oid._name == "ecdsa-with-SHA1"
    cert, key = leaf_pair((inter, inter_key))
    args = unpack_args(fx, tmp_path, content=p12(key, cert, [inter]), ca_path=None, chain=[pem(root[0])])
    refused(mod("pkcs12_unpack", **args), "CN=LAB SHA1 INTERMEDIATE", "ecdsa-with-SHA1")
    assert not (tmp_path / "roc").exists()
    with pytest.raises(RocError) as error:
        loader.validate_path(cert, [inter], [root[0]], "bundle")
    assert "LAB SHA1 INTERMEDIATE" in str(error.value) and "ecdsa-with-SHA1" in str(error.value)


def test_an_anchor_self_signed_with_sha1_is_trusted_as_given(mod, fx, tmp_path):
    """An anchor's own signature is never verified: a root self-signed with SHA-1, given as anchor, signs a sound
    intermediate and the path is accepted (the official IGC-Santé anchors hash with SHA-256 anyway)."""
    folder = tmp_path / "root"
    folder.mkdir()
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-sha1",
            "-keyout", str(folder / "root.key"), "-out", str(folder / "root.pem"), "-subj", "/CN=LAB SHA1 ROOT",
            "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    root = (loader.load_certificate(read(str(folder / "root.pem"))),
            serialization.load_pem_private_key(read(str(folder / "root.key")), None))
    assert loader.weak_signature(root[0]) == "ecdsa-with-SHA1"
    inter = ca_pair("LAB SOUND INTERMEDIATE", base=[], issuer=root)
    cert, key = leaf_pair(inter)
    args = unpack_args(fx, tmp_path, content=p12(key, cert, [inter[0]]), ca_path=None, chain=[pem(root[0])])
    result = mod("pkcs12_unpack", **args)
    assert result["changed"] and len(result["chain"]) == 2, result
    # an intermediate given as anchor: the root that signs it is added above it when that signature is sound, not
    # on the strength of a SHA-1 one
    assert loader.validate_path(cert, [root[0]], [inter[0]], "bundle") == [inter[0], root[0]]
    weak_key = new_key()
    weak_name = name("LAB SHA1 ANCHOR", [(NameOID.ORGANIZATION_NAME, "LAB")])
    weak = loader.load_certificate(_openssl_sign(tmp_path, _csr(weak_key, weak_name), root[0], root[1], "sha1", CA_EXT,
                                                 "weak"))
    below, _below_key = leaf_pair((weak, weak_key))
    assert loader.validate_path(below, [root[0]], [weak], "bundle") == [weak]
    for environment in ("production", "test"):
        for anchor in igc_anchors.anchors(environment):
            assert loader.weak_signature(loader.load_certificates(anchor["pem"].encode("ascii"))[0]) is None


def test_the_real_igc_sante_files_still_pass(realworld):
    for name_ in ("ACR-EL.cer", "ACI-EL-ORG.cer", "ACR-EL-TEST.cer", "ACI-EL-ORG-TEST.cer",
                  "Chaine_de_certification-IGC-Sante.p7b", "TEST-ORG-SIGN-leaf.pem"):
        for cert in loader.load_certificates(read(os.path.join(realworld, name_)), name_):
            assert loader.weak_signature(cert) is None, name_
    aci = loader.load_certificate(read(os.path.join(realworld, "ACI-EL-ORG.cer")))
    acr = loader.load_certificate(read(os.path.join(realworld, "ACR-EL.cer")))
    assert loader.validate_path(aci, [], [acr], "ACI-EL-ORG.cer", allow_expired=True) == [acr]


# ------------------------------------------------------------- 9. folders, modes, names, usages
def test_folders_made_for_key_material_are_private(mod, fx, tmp_path):
    """The folder made for a combined file or a keystore holds key material: 0700 (0750 with group), even when
    the certificate goes there too."""
    args = certificate_args(fx, tmp_path, combined_path=str(tmp_path / "out" / "combined.pem"),
                            keystore_path=str(tmp_path / "ks" / "svc.p12"), keystore_passphrase=KS_PASS)
    assert mod("certificate", **args)["changed"]
    assert folder_mode(str(tmp_path / "out")) == 0o700 and folder_mode(str(tmp_path / "ks")) == 0o700
    grouped = certificate_args(fx, tmp_path / "g", combined_path=str(tmp_path / "g" / "keys" / "combined.pem"),
                               keystore_path=str(tmp_path / "g" / "out" / "svc.p12"), keystore_passphrase=KS_PASS,
                               group="daemon", mode="0640")
    assert mod("certificate", **grouped)["changed"]
    assert folder_mode(str(tmp_path / "g" / "keys")) == 0o750 and folder_mode(str(tmp_path / "g" / "out")) == 0o750
    unpacked = mod("pkcs12_unpack", **unpack_args(fx, tmp_path / "p", privatekey_path=str(tmp_path / "p" / "k" / "a.key"),
                                                  combined_path=str(tmp_path / "p" / "c" / "a.pem")))
    assert unpacked["changed"]
    assert folder_mode(str(tmp_path / "p" / "c")) == 0o700 and folder_mode(str(tmp_path / "p" / "k")) == 0o700
    assert folder_mode(str(tmp_path / "p" / "roc" / AUTH)) == 0o755  # certificates only


@pytest.mark.parametrize("asked", ["0660", "0620", "2600", "4600", "1600", "6640"])
def test_a_key_mode_with_group_write_or_special_bits_is_refused(mod, fx, tmp_path, asked):
    refused(mod("csr", **csr_args(tmp_path, mode=asked, group="daemon")), "mode %s" % asked, "privatekey_path")
    assert not os.path.lexists(str(tmp_path / "private"))
    refused(mod("pkcs12_unpack", **unpack_args(fx, tmp_path, mode=asked)), "mode %s" % asked)
    assert not (tmp_path / "roc").exists()


@pytest.mark.parametrize("bad", ["lab-ACR\n", "lab\nACR", ".hidden", "../up", "lab ACR", "lab/ACR"])
def test_trust_anchor_names_are_whole_safe_names(mod, fx, tmp_path, bad):
    store = tmp_path / "anchors"
    anchors = [dict(lab_anchors(fx)[0], name=bad)]
    refused(mod("trust_anchor", anchors=anchors, os_family="debian", store_dir=str(store), update_command=["true"]),
            "name must be")
    refused(mod("trust_anchor", anchors=[{"name": bad}], state="absent", os_family="debian", store_dir=str(store),
                update_command=["true"]), "name must be")
    assert not store.exists()


def test_the_usage_of_a_known_service_is_checked_when_usage_is_not_given(mod, fx, tmp_path, igc_lab):
    """service Client_ROC_WebServices_AMC means usage sign, Client_ROC_Annuaire_AMC means auth_cli (the IGC-Santé
    table): a certificate named for a service but made for the other usage is refused even without usage."""
    aci = igc_lab[1]
    org = [(NameOID.COUNTRY_NAME, "FR"), (NameOID.ORGANIZATION_NAME, "CHU LAB DE DIJON"),
           (NameOID.ORGANIZATIONAL_UNIT_NAME, "1210780581")]
    auth_named_sign = leaf_pair(aci, cn=SIGN, ku=AUTH_KU, eku=CLIENT)  # a TLS client certificate named as SIGN
    sign_named_auth = leaf_pair(aci, cn=AUTH, ku=SIGN_KU, eku=None)  # a signing certificate named as AUTH
    assert auth_named_sign[0].subject == name(SIGN, org)
    for (cert, key), service, needle in ((auth_named_sign, SIGN, "usage sign"), (sign_named_auth, AUTH, "usage auth_cli")):
        args = unpack_args(fx, tmp_path, content=p12(key, cert), dest=str(tmp_path / "roc" / service), service=service,
                           usage=None)
        refused(mod("pkcs12_unpack", **args), needle, "service %s" % service)
        assert not (tmp_path / "roc").exists()
    # given explicitly, usage says what the certificate is for
    cert, key = auth_named_sign
    args = unpack_args(fx, tmp_path, content=p12(key, cert), dest=str(tmp_path / "roc" / SIGN), service=SIGN,
                       usage="auth_cli")
    assert mod("pkcs12_unpack", **args)["changed"]
    # the lab's own bundles fit their services without usage
    for usage, service in (("auth_cli", AUTH), ("sign", SIGN)):
        args = unpack_args(fx, tmp_path / usage, content=b64(fx["p12"][usage]), dest=str(tmp_path / usage / service),
                           service=service, usage=None)
        assert mod("pkcs12_unpack", **args)["changed"]
