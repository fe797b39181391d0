"""What makes a no-change site run two executions per host, each proven for real: the install modules write
the keystores and the middleware's configuration in their one commit; the install record answers a no-change
install without opening a bundle or loading a key (a trap proves it) and falls back to the full check on any
difference; trust_anchor carries the host check; the config_files action plugin answers locally; the key host
of each structure is computed once."""

import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import PASS, TOP, openssl, read
from test_batching import AUTH, SIGN, bundles
from test_modules import lab_chain, tree_hashes

FAULTS = os.path.join(TOP, "tests", "unit", "faults")
TRAP = {"PYTHONPATH": FAULTS, "ROC_FAULT": "trap-keys:0"}
KS_PASS = "lab-only-keystore-2026"


def material(fx, tmp_path, **extra):
    root = tmp_path / "roc"
    items = bundles(fx, tmp_path)
    for item in items:
        item["keystore_path"] = os.path.join(item["dest"], item["service"] + ".p12")
    content = "roc.%s.keystore=%s\nroc.%s.keystore=%s\n" % (
        AUTH, items[0]["keystore_path"], SIGN, items[1]["keystore_path"])
    config = {"path": str(root / "middleware" / "roc.properties"), "mode": "0640", "content": content}
    args = dict(items=items, passphrase=PASS, keystore_passphrase=KS_PASS, config_files=[config],
                config_dir_mode="0750", mode="0640", chain=lab_chain(fx))
    args.update(extra)
    return args


def record_of(certificate):
    directory, name = os.path.split(certificate)
    return os.path.join(directory, ".%s.esante-roc" % name)


# ---------------------------------------------------------------- keystores and configuration in one commit
def test_unpack_writes_keystores_and_configuration_in_the_same_commit(run_module, fx, tmp_path):
    args = material(fx, tmp_path)
    result = run_module("pkcs12_unpack", **args)
    assert result["changed"] and KS_PASS not in result["_stdout"] and PASS not in result["_stdout"]
    assert [c["action"] for c in result["config_files"]] == ["create"]
    config = args["config_files"][0]["path"]
    assert read(config).decode() == args["config_files"][0]["content"]
    assert os.stat(config).st_mode & 0o777 == 0o640
    assert os.stat(os.path.dirname(config)).st_mode & 0o777 == 0o750
    for item in result["item_results"]:
        keystore = item["keystore"]
        assert keystore["alias"] == item["certificate"]["subject"]["service"] and keystore["entries"] == 3
        assert os.stat(keystore["path"]).st_mode & 0o777 == 0o640
        # openssl reads the keystore: the key in it is the installed key, the certificate the installed one
        cert = openssl("pkcs12", "-in", keystore["path"], "-passin", "pass:" + KS_PASS, "-nokeys", "-clcerts")
        assert b"friendlyName: " + keystore["alias"].encode() in cert
        key = openssl("pkcs12", "-in", keystore["path"], "-passin", "pass:" + KS_PASS, "-nocerts", "-nodes")
        assert openssl("rsa", "-noout", "-modulus", data=key) == openssl(
            "rsa", "-in", item["files"]["privatekey"], "-noout", "-modulus")
        if shutil.which("keytool"):
            listing = subprocess.run(["keytool", "-list", "-keystore", keystore["path"], "-storepass", KS_PASS],
                                     capture_output=True, text=True, check=True).stdout
            assert keystore["alias"].lower() in listing.lower() and "PrivateKeyEntry" in listing
    before = tree_hashes(str(tmp_path / "roc"))
    again = run_module("pkcs12_unpack", **args)
    assert again["changed"] is False and [c["action"] for c in again["config_files"]] == ["none"]
    assert tree_hashes(str(tmp_path / "roc")) == before


def test_a_refused_configuration_changes_no_material(run_module, fx, tmp_path):
    args = material(fx, tmp_path)
    args["config_files"][0]["validate"] = "grep -q never-there %s"
    result = run_module("pkcs12_unpack", **args)
    assert result.get("failed") and "config_files[0]" in result["msg"] and "validation" in result["msg"]
    assert not (tmp_path / "roc").exists() or tree_hashes(str(tmp_path / "roc")) == {}


def test_a_keystore_needs_its_passphrase(run_module, fx, tmp_path):
    args = material(fx, tmp_path)
    del args["keystore_passphrase"]
    result = run_module("pkcs12_unpack", **args)
    assert result.get("failed") and "keystore_passphrase" in result["msg"]
    assert not (tmp_path / "roc").exists()


# ----------------------------------------------------------------------------------- the install record
def test_no_change_install_opens_no_bundle_and_loads_no_key(run_module, fx, tmp_path):
    args = material(fx, tmp_path)
    first = run_module("pkcs12_unpack", **args)
    assert first["changed"]
    record = record_of(first["item_results"][0]["files"]["certificate"])
    assert os.stat(record).st_mode & 0o777 == 0o600
    text = read(record).decode()
    assert PASS not in text and KS_PASS not in text and "PRIVATE KEY" not in text
    before = tree_hashes(str(tmp_path / "roc"))
    # under the trap, opening a bundle or loading a key raises: the no-change run does neither
    again = run_module("pkcs12_unpack", _env=dict(TRAP), **args)
    assert again.get("failed") is not True, again
    assert again["changed"] is False and tree_hashes(str(tmp_path / "roc")) == before
    assert again["item_results"][0]["certificate"]["subject"]["service"] == AUTH
    assert again["item_results"][0]["keystore"] == first["item_results"][0]["keystore"]
    # the trap works: a run that must open the bundle (a certificate edited) fails under it (the loader turns the
    # trap's error into its own refusal), and succeeds without it
    edited = first["item_results"][0]["files"]["certificate"]
    with open(edited, "ab") as handle:
        handle.write(b"\n")
    trapped = run_module("pkcs12_unpack", _env=dict(TRAP), **args)
    assert trapped.get("failed") and tree_hashes(str(tmp_path / "roc"))[edited] != before[edited]
    assert run_module("pkcs12_unpack", **args)["changed"]
    after = tree_hashes(str(tmp_path / "roc"))
    assert dict((k, v) for k, v in after.items() if not k.endswith("~")) == before  # and the backup of the edit


@pytest.mark.parametrize("change", ["key edited", "key mode", "keystore removed", "record edited"])
def test_any_difference_takes_the_full_check(run_module, fx, tmp_path, change):
    args = material(fx, tmp_path)
    files = run_module("pkcs12_unpack", **args)["item_results"][0]["files"]
    key = files["privatekey"]
    good = read(key)
    if change == "key edited":
        with open(key, "wb") as handle:
            handle.write(read(run_module("pkcs12_unpack", **dict(
                bundles(fx, tmp_path / "other")[1], passphrase=PASS, chain=lab_chain(fx)))["files"]["privatekey"]))
    elif change == "key mode":
        os.chmod(key, 0o644)
    elif change == "keystore removed":
        os.unlink(os.path.join(os.path.dirname(key), AUTH + ".p12"))
    else:  # a record that no longer matches the inputs: full check, nothing to change, the record rewritten
        record = record_of(files["certificate"])
        data = json.loads(read(record))
        data["inputs"]["source"] = "0" * 64
        with open(record, "w") as handle:
            json.dump(data, handle)
    result = run_module("pkcs12_unpack", **args)
    assert result["changed"] is (change != "record edited")
    assert read(key) == good and os.stat(key).st_mode & 0o777 == 0o640
    assert openssl("x509", "-in", files["certificate"], "-noout", "-modulus") == openssl(
        "rsa", "-in", key, "-noout", "-modulus")
    # and the record is whole again: the next run is a no-change run without opening anything
    assert run_module("pkcs12_unpack", _env=dict(TRAP), **args)["changed"] is False


def test_a_wrong_passphrase_is_still_refused_with_a_record(run_module, fx, tmp_path):
    args = material(fx, tmp_path)
    run_module("pkcs12_unpack", **args)
    before = tree_hashes(str(tmp_path / "roc"))
    result = run_module("pkcs12_unpack", **dict(args, passphrase="not-the-passphrase"))
    assert result.get("failed") and "passphrase" in result["msg"].lower()
    assert tree_hashes(str(tmp_path / "roc")) == before


def test_a_new_keystore_passphrase_rewrites_the_keystores(run_module, fx, tmp_path):
    args = material(fx, tmp_path)
    run_module("pkcs12_unpack", **args)
    result = run_module("pkcs12_unpack", **dict(args, keystore_passphrase="another-keystore-pass"))
    assert result["changed"]
    keystore = result["item_results"][0]["keystore"]["path"]
    openssl("pkcs12", "-in", keystore, "-passin", "pass:another-keystore-pass", "-nokeys")


def test_check_mode_writes_no_record(run_module, fx, tmp_path):
    args = material(fx, tmp_path)
    predicted = run_module("pkcs12_unpack", check_mode=True, **args)
    assert predicted["changed"] and not (tmp_path / "roc").exists()


def test_record_ignores_an_expired_certificate(fx, tmp_path):
    """The record answers only while the certificate is valid: afterwards the full check says it expired."""
    from ansible_collections.esante.roc.plugins.module_utils import install_record
    cert = tmp_path / "svc.crt"
    cert.write_bytes(b"x")
    source = b"bundle"
    params = {"service": AUTH, "passphrase": PASS, "allow_expired": False}
    record = {"inputs": install_record.inputs(params, source), "not_before": 0, "not_after": time.time() + 60,
              "files": {str(cert): {"sha256": __import__("hashlib").sha256(b"x").hexdigest()}},
              "result": {"files": {}}}
    with open(install_record.record_path(str(cert)), "w") as handle:
        json.dump(record, handle)

    def unchanged(params, source, **kwargs):
        return install_record.unchanged(install_record.inputs(params, source), params, str(cert), **kwargs)
    assert unchanged(params, source) == {"files": {}}
    assert unchanged(params, source, now=time.time() + 3600) is None
    # other options (allow_expired here), another passphrase, another bundle: not this record
    assert unchanged(dict(params, allow_expired=True), source, now=time.time() + 3600) is None
    assert unchanged(dict(params, passphrase="other"), source) is None
    assert unchanged(params, b"another bundle") is None


# -------------------------------------------------------------------- the host check with the anchors
def test_trust_anchor_carries_the_host_check(run_module, fx, tmp_path):
    from test_trust_anchor import lab_anchors
    args = dict(anchors=lab_anchors(fx), stores=[{"store": "bundle", "bundle_path": str(tmp_path / "amc.pem")}])
    result = run_module("trust_anchor", prerequisites={"group": "root"}, **args)
    assert result["changed"] and result["prerequisites"]["group"] == "root" and result["prerequisites"]["gid"] == 0
    assert result["prerequisites"]["cryptography_problem"] is None
    # a group to make: predicted in check mode, nothing made
    missing = "roc-test-%d" % os.getpid()
    predicted = run_module("trust_anchor", check_mode=True, diff=True, prerequisites={"group": missing}, **args)
    assert predicted["changed"] and predicted["prerequisites"]["changed"]
    assert any("group %s" % missing in d.get("before_header", "") for d in predicted["diff"])
    assert subprocess.run(["getent", "group", missing], capture_output=True, check=False).returncode != 0
    # no store at all: only the host check (the anchors still checked)
    only = run_module("trust_anchor", prerequisites={"group": "root"}, anchors=args["anchors"], stores=[])
    assert only["changed"] is False and only["stores"] == []


def test_trust_anchor_without_cryptography_tells_instead_of_failing_on_import(tmp_path, fx):
    from test_trust_anchor import lab_anchors
    from conftest import run_without_cryptography

    def run(**args):
        return json.loads(run_without_cryptography(tmp_path, "trust_anchor", args)[1])
    anchors = lab_anchors(fx)
    told = run(anchors=anchors, stores=[], prerequisites={"group": "root"})
    assert told["failed"] and "python3-cryptography" in told["cryptography_problem"]
    assert told["cryptography_version"] is None and told["gid"] == 0
    plain = run(anchors=anchors, stores=[])
    assert plain["failed"] and "python3-cryptography" in plain["msg"] and "cryptography_problem" not in plain


# ------------------------------------------------------------------ the controller side (no module started)
def test_action_plugin_installs_cryptography_only_when_asked_and_missing():
    from ansible_collections.esante.roc.plugins.plugin_utils.bootstrap import PACKAGE, CryptographyBootstrap
    from ansible_collections.esante.roc.plugins.plugin_utils.controller_files import ControllerSrcAction

    # reading controller files installs nothing: only the bootstrap class (prerequisites, trust_anchor) does
    assert not hasattr(ControllerSrcAction, "_bootstrap")
    # and the bootstrap reads no controller file: prerequisites' action is a bootstrap only, trust_anchor's both
    from ansible_collections.esante.roc.plugins.action.prerequisites import ActionModule as PrerequisitesAction
    from ansible_collections.esante.roc.plugins.action.trust_anchor import ActionModule as TrustAnchorAction
    assert not issubclass(CryptographyBootstrap, ControllerSrcAction)
    assert not issubclass(PrerequisitesAction, ControllerSrcAction)
    assert issubclass(TrustAnchorAction, ControllerSrcAction) and issubclass(TrustAnchorAction, CryptographyBootstrap)
    assert TrustAnchorAction._run_module is CryptographyBootstrap._run_module

    class Task(object):
        check_mode = False

    class Probe(CryptographyBootstrap):
        MODULE = "esante.roc.trust_anchor"
        BOOTSTRAP = ("prerequisites",)

        def __init__(self, answers, package):
            self._task = Task()
            self.answers, self.package, self.calls = list(answers), package, []

        def _execute_module(self, module_name=None, module_args=None, task_vars=None):
            self.calls.append(module_name)
            return self.answers.pop(0)

        def _install_package(self, task_vars):
            self.calls.append("package")
            return self.package

    missing = {"failed": True, "cryptography_problem": "missing", "msg": "missing"}
    ok = {"changed": False, "cryptography_problem": None}
    asked = {"prerequisites": {"install_cryptography": True}}
    probe = Probe([ok], {"changed": True})
    assert probe._bootstrap(asked, missing, {}) == dict(ok, changed=True, installed=PACKAGE)
    assert probe.calls == ["package", "esante.roc.trust_anchor"]
    probe = Probe([], {})
    assert probe._bootstrap({"prerequisites": {}}, missing, {}) == missing and probe.calls == []
    probe = Probe([], {"failed": True, "msg": "no mirror"})
    failed = probe._bootstrap(asked, missing, {})
    assert failed["failed"] and "no mirror" in failed["msg"] and probe.calls == ["package"]
    probe = Probe([], {})
    probe._task.check_mode = True
    predicted = probe._bootstrap(asked, missing, {})
    assert predicted["changed"] and not predicted["failed"] and probe.calls == []


def test_config_files_answers_locally_only_when_nothing_differs(tmp_path):
    from ansible_collections.esante.roc.plugins.action.config_files import unchanged_locally
    path = tmp_path / "sheet.md"
    path.write_text("order sheet\n")
    os.chmod(str(path), 0o640)
    same = {"files": [{"path": str(path), "content": "order sheet\n"}], "mode": "0640"}
    assert unchanged_locally(same) == [{"path": str(path), "action": "none"}]
    assert unchanged_locally(dict(same, mode="0644")) is None
    assert unchanged_locally({"files": [{"path": str(path), "content": "other\n"}]}) is None
    assert unchanged_locally({"files": [{"path": str(tmp_path / "absent"), "content": ""}]}) is None
    assert unchanged_locally({"files": [{"path": str(path), "content": "order sheet\n", "group": "no-such-group"}]}) is None


def test_key_hosts_once_per_play():
    from ansible_collections.esante.roc.plugins.plugin_utils.structures import key_host, key_hosts
    known = key_hosts({"h1": "chu-a", "h2": "chu-b", "h3": "chu-a", "h4": ""})
    assert known == {"chu-a": "h1", "chu-b": "h2"}
    assert key_host("chu-b", known, [], {}) == "h2"
    hostvars = {"h1": {"roc_structure": "chu-a"}, "h2": {"roc_structure": "chu-c"}, "h3": {"roc_structure": "chu-c"}}
    assert key_host("chu-c", {}, ["h1", "h2", "h3"], hostvars) == "h2"
    with pytest.raises(Exception, match="no host of this play"):
        key_host("chu-z", {}, ["h1"], hostvars)
