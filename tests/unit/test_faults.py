"""Faults: a rename that fails, a process killed between its temporary file and its rename, two runs at
once, a read-only destination, a full filesystem, a target without python3-cryptography. Each leaves
the old files or the new ones, byte for byte, never a mix and never a partial file."""

import base64
import os
import subprocess
import sys

import pytest

from conftest import SRC_ROOT, TOP, openssl, read, run_without_cryptography
from test_modules import AUTH, tree_hashes, unpack_args

FAULTS = os.path.join(TOP, "tests", "unit", "faults")


def b64(path):
    return base64.b64encode(read(path)).decode()


def installed(run_module, fx, dest_root):
    args = unpack_args(fx, dest_root)
    assert run_module("pkcs12_unpack", **args)["changed"]
    # another valid bundle for the same service (the lab's back-dated one, allowed): a real replacement
    return args, dict(args, content=b64(fx["p12_expired"]), allow_expired=True)


def temp_files(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


def key_matches_cert(folder):
    key, crt = os.path.join(folder, AUTH + ".key"), os.path.join(folder, AUTH + ".crt")
    return openssl("rsa", "-in", key, "-noout", "-modulus") == openssl("x509", "-in", crt, "-noout", "-modulus")


@pytest.mark.parametrize("at", [1, 2, 3])  # key, certificate, full chain change (the chain does not)
def test_failed_rename_puts_every_file_back(run_module, fx, tmp_path, at):
    good, other = installed(run_module, fx, tmp_path)
    before = tree_hashes(good["dest"])
    result = run_module("pkcs12_unpack", _env={"PYTHONPATH": FAULTS, "ROC_FAULT": "rename-fail:%d" % at}, **other)
    assert result.get("failed"), result
    assert "earlier files of this call were put back" in result["msg"] and "injected I/O error" in result["msg"]
    after = tree_hashes(good["dest"])
    assert after == before and temp_files(good["dest"]) == []


@pytest.mark.parametrize("at", [1, 2, 3])
def test_killed_between_temp_file_and_rename(run_module, fx, tmp_path, at):
    good, other = installed(run_module, fx, tmp_path / "live")
    before = tree_hashes(good["dest"])
    # what a complete replacement looks like (the same bundle unpacked elsewhere: the output is deterministic)
    reference = dict(other, dest=str(tmp_path / "reference"))
    assert run_module("pkcs12_unpack", **reference)["changed"]
    new = dict((os.path.basename(p), h) for p, h in tree_hashes(reference["dest"]).items())
    died = run_module("pkcs12_unpack", _env={"PYTHONPATH": FAULTS, "ROC_FAULT": "rename-kill:%d" % at}, **other)
    assert died.get("_died") == -9
    live = dict((p, h) for p, h in tree_hashes(good["dest"]).items() if not p.endswith((".tmp", "~")))
    assert sorted(live) == sorted(before)
    replaced = [p for p, h in live.items() if h != before[p]]
    for path in replaced:  # a replaced file is the complete new one, never a partial write
        assert live[path] == new[os.path.basename(path)], path
    assert len(replaced) == at - 1  # files are swapped one rename at a time, in plan order
    # the next run finishes the job and sweeps the temporary files the killed run left
    result = run_module("pkcs12_unpack", **other)
    assert result["changed"] and temp_files(good["dest"]) == [] and key_matches_cert(good["dest"])


def test_two_runs_at_once_never_mix_key_and_certificate(fx, tmp_path, run_module):
    good, other = installed(run_module, fx, tmp_path)
    script = os.path.join(TOP, "plugins", "modules", "pkcs12_unpack.py")
    env = dict(os.environ, PYTHONPATH=SRC_ROOT)
    for round_ in range(4):
        procs = []
        for index, args in enumerate((good, other)):
            path = tmp_path / ("args-%d-%d.json" % (round_, index))
            path.write_text('{"ANSIBLE_MODULE_ARGS": %s}' % __import__("json").dumps(args))
            procs.append(subprocess.Popen([sys.executable, script, str(path)], env=env, stdout=subprocess.PIPE))
        for proc in procs:
            proc.communicate()
            assert proc.returncode == 0
        assert key_matches_cert(good["dest"]) and temp_files(good["dest"]) == []


@pytest.fixture
def tmpfs(tmp_path):
    mounted = []

    def mount(options):
        point = tmp_path / ("mnt%d" % len(mounted))
        point.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True,
                          check=False).returncode:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(point)
        return point
    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_read_only_destination(run_module, fx, tmpfs):
    point = tmpfs("size=1m")
    good, other = installed(run_module, fx, point)
    before = tree_hashes(good["dest"])
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    result = run_module("pkcs12_unpack", **other)
    assert result["failed"] and "Read-only file system" in result["msg"] and good["dest"] in result["msg"]
    assert tree_hashes(good["dest"]) == before


def test_unchanged_material_on_a_read_only_filesystem_without_its_record(run_module, fx, tmpfs):
    """Material installed by another tool (or by 1.0.0, before install records): the compliance run on a
    read-only filesystem checks it fully, finds nothing to change, and does not fail for the record it cannot
    write (a cache)."""
    point = tmpfs("size=1m")
    good, _other = installed(run_module, fx, point)
    for name in os.listdir(good["dest"]):
        if name.endswith(".esante-roc"):
            os.unlink(os.path.join(good["dest"], name))
    before = tree_hashes(good["dest"])
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    result = run_module("pkcs12_unpack", **good)
    assert result.get("failed") is not True and result["changed"] is False, result
    assert tree_hashes(good["dest"]) == before and temp_files(good["dest"]) == []


def test_full_filesystem(run_module, fx, tmpfs):
    point = tmpfs("size=40k")
    good, other = installed(run_module, fx, point)
    subprocess.run(["dd", "if=/dev/zero", "of=%s/filler" % point, "bs=4k", "count=100"], capture_output=True,
                   check=False)
    before = tree_hashes(good["dest"])
    result = run_module("pkcs12_unpack", **other)
    assert result["failed"] and "No space left on device" in result["msg"]
    assert tree_hashes(good["dest"]) == before and temp_files(good["dest"]) == []


def test_target_without_cryptography(tmp_path, fx):
    """A python3 with ansible's module_utils but no cryptography: the module says which package to install."""
    returncode, stdout = run_without_cryptography(tmp_path, "certificate_info", {"path": fx["aci"]})
    assert returncode != 0
    assert "python3-cryptography" in stdout and "apt-get install python3-cryptography" in stdout


def test_key_files_never_wider_than_asked_not_even_for_an_instant(run_module, fx, tmp_path):
    """Every write, rename and backup link of key material is logged with the file's mode at that instant:
    never readable by others, never wider than the mode asked (0640 here), from the first byte on."""
    log = tmp_path / "modes.jsonl"
    env = {"PYTHONPATH": FAULTS, "ROC_FAULT": "watch-modes:0", "ROC_MODE_LOG": str(log)}
    args = dict(unpack_args(fx, tmp_path / "roc"), mode="0640", combined_path=str(tmp_path / "roc" / "combined.pem"))
    # the host's install record key (/var/lib/esante-roc/record.key, 0600 whatever the mode asked here, made by the
    # first install on a fresh host) exists before the watch: its own mode is proven in test_attacks_fs.py
    assert run_module("pkcs12_unpack", **dict(args, dest=str(tmp_path / "first"),
                                              combined_path=str(tmp_path / "first" / "combined.pem")))["changed"]
    assert run_module("pkcs12_unpack", _env=dict(env), **args)["changed"]
    # a replacement (backup links of the old key) and a keystore holding the key
    other = dict(args, content=b64(fx["p12_expired"]), allow_expired=True)
    assert run_module("pkcs12_unpack", _env=dict(env), **other)["changed"]
    dest = args["dest"]
    keystore = dict(path=os.path.join(dest, "ks.p12"), alias=AUTH, passphrase="lab-only-ks",
                    privatekey_path=os.path.join(dest, AUTH + ".key"), certificate_path=os.path.join(dest, AUTH + ".crt"),
                    mode="0640")
    assert run_module("keystore", _env=dict(env), **keystore)["changed"]
    events = [__import__("json").loads(line) for line in log.read_text().splitlines()]
    secret = [e for e in events if os.path.basename(e["path"]).split(".tmp")[0].endswith(
        (".key", "combined.pem", "ks.p12")) or ".key." in os.path.basename(e["path"])]
    kinds = set(e["event"] for e in secret)
    assert {"write", "rename", "link"} <= kinds, kinds  # the watch saw the writes, the swaps and the backups
    wider = [e for e in secret if e["mode"] & ~0o640]
    assert wider == [], wider
    assert all(e["mode"] == 0o640 for e in secret if e["event"] == "write")
