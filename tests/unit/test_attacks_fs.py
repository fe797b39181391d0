"""Attacks through the filesystem, run for real (modules as processes, as root, on real files; judged with lstat and
openssl): a symbolic link at every managed path of every module and in a folder above it, a FIFO (a hang fails the
test: every run has a timeout), a socket, a device, a hard link, files planted by another user at key paths,
symbolic links planted at the names backups would take. Whatever is planted, a module refuses naming the path,
before anything is written, and never reads, changes or shows what a link points to. Key material ends root's (or
the owner asked) with the mode asked, a put-back restores owner, group and mode, revocation removes every file and
shows no key, the install record holds no guessing oracle. Then hypothesis over path names, and a --diff -vvv
scan of every module through ansible-playbook, on success and on failure."""

import base64
import grp
import hashlib
import hmac
import json
import os
import pwd
import re
import socket
import stat
import subprocess
import sys
import time

import pytest

from conftest import PASS, SRC_ROOT, TOP, openssl, read

AUTH = "Client_ROC_Annuaire_AMC"
SIGN = "Client_ROC_WebServices_AMC"
SUBJECT = dict(organization="CHU LAB DE DIJON", structure_id="1210780581")
FAULTS = os.path.join(TOP, "tests", "unit", "faults")
NOBODY = pwd.getpwnam("nobody")
DAEMON_GID = grp.getgrnam("daemon").gr_gid
VICTIM = b"VICTIM-CONTENT-never-to-be-read-shown-or-changed\n"
KS_PASS = "lab-only-keystore-pass-2026"
KEY_PASS = "lab-only-key-at-rest-2026"
PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the attacks plant files of another user: root only")


# ----------------------------------------------------------------------------------------------- helpers
def b64(path):
    return base64.b64encode(read(path)).decode()


# a link is refused by the writer ("... is a symbolic link"), or earlier, for pkcs12_unpack's default paths, by the
# check that each stays in dest ("... resolves to ..., outside dest"): either way a refusal naming the path
LINK = ("symbolic link", "outside dest")


def refused(result, *needles):
    """A refusal whose message holds every needle (a tuple: one of them)."""
    assert result.get("failed"), result
    for needle in needles:
        options = needle if isinstance(needle, tuple) else (needle,)
        assert any(option in result["msg"] for option in options), (needle, result["msg"])
    return result["msg"]


def victim(tmp_path, data=VICTIM, name="victim"):
    """A file of another user (nobody, 0644) outside the managed folders: what a planted link points to."""
    folder = tmp_path / "outside"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    os.chown(str(path), NOBODY.pw_uid, NOBODY.pw_gid)
    os.chmod(str(path), 0o644)
    return str(path)


def state(path):
    """What a planted target looks like: content, mode, owner, group, inode (never followed)."""
    st = os.lstat(path)
    data = read(path) if stat.S_ISREG(st.st_mode) else None
    return (data, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_ino, stat.S_IFMT(st.st_mode))


def tree(root):
    """Every entry under root, links and special files included, never followed: {path: description}."""
    out = {}
    if not os.path.lexists(root):
        return out
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(base, name)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[path] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                out[path] = ("file", hashlib.sha256(read(path)).hexdigest(), stat.S_IMODE(st.st_mode), st.st_uid,
                             st.st_gid)
            else:
                out[path] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
    return out


def owner_mode(path):
    st = os.lstat(path)
    assert stat.S_ISREG(st.st_mode), path
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def anchors_file(fx, tmp_path):
    """The lab's ACI and ACR in one file: the anchors of the install modules (ca_path)."""
    path = tmp_path / "anchors.pem"
    if not path.exists():
        tmp_path.mkdir(parents=True, exist_ok=True)
        path.write_bytes(read(fx["aci"]) + read(fx["acr"]))
    return str(path)


def dest_of(tmp_path):
    return str(tmp_path / "roc" / AUTH)


def unpack(fx, tmp_path, bundle=None, **extra):
    args = dict(content=b64(bundle or fx["p12"]["auth_cli"]), passphrase=PASS, dest=dest_of(tmp_path), service=AUTH,
                usage="auth_cli", ca_path=anchors_file(fx, tmp_path))
    args.update(extra)
    return args


def full_unpack(fx, tmp_path, **extra):
    """Every managed path of pkcs12_unpack in use: key, certificate, chain, full chain, combined file, keystore,
    the middleware's configuration, the install record."""
    dest = dest_of(tmp_path)
    config = {"path": str(tmp_path / "middleware" / "roc.properties"), "content": "roc.keystore=%s\n" % dest}
    return unpack(fx, tmp_path, combined_path=os.path.join(dest, AUTH + ".pem"),
                  keystore_path=os.path.join(dest, AUTH + ".p12"), keystore_passphrase=KS_PASS,
                  config_files=[config], **extra)


def managed_paths(tmp_path):
    dest = dest_of(tmp_path)
    return {
        "key": os.path.join(dest, AUTH + ".key"),
        "certificate": os.path.join(dest, AUTH + ".crt"),
        "chain": os.path.join(dest, AUTH + ".chain.pem"),
        "fullchain": os.path.join(dest, AUTH + ".fullchain.pem"),
        "combined": os.path.join(dest, AUTH + ".pem"),
        "keystore": os.path.join(dest, AUTH + ".p12"),
        "record": os.path.join(dest, "." + AUTH + ".crt.esante-roc"),
        "config": str(tmp_path / "middleware" / "roc.properties"),
    }


def make_fifo(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.mkfifo(path, 0o666)


def make_socket(path):
    """A listening unix socket at path (bound from its folder: a socket path is limited to 108 bytes)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    here = os.getcwd()
    os.chdir(os.path.dirname(path))
    try:
        server.bind(os.path.basename(path))
    finally:
        os.chdir(here)
    server.listen(1)
    return server


def make_device(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError as exc:
        pytest.skip("cannot make a device node here: %s" % exc)


# ------------------------------------------------------------------ 1. a symbolic link at each managed path
@pytest.mark.parametrize("target", ["victim", "dangling"])
@pytest.mark.parametrize("which", ["key", "certificate", "chain", "fullchain", "combined", "keystore", "record",
                                   "config"])
def test_unpack_refuses_a_link_at_every_managed_path_of_a_first_install(mod, fx, tmp_path, which, target):
    path = managed_paths(tmp_path)[which]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    aim = victim(tmp_path) if target == "victim" else str(tmp_path / "outside" / "made-by-the-module")
    os.makedirs(str(tmp_path / "outside"), exist_ok=True)
    os.symlink(aim, path)
    before = tree(str(tmp_path / "outside"))
    before_planted = dict(tree(dest_of(tmp_path)), **tree(str(tmp_path / "middleware")))
    for check_mode in (True, False):
        result = mod("pkcs12_unpack", check_mode=check_mode, diff=True, **full_unpack(fx, tmp_path))
        refused(result, path, LINK)
        assert VICTIM.decode() not in result["_stdout"]
        assert tree(str(tmp_path / "outside")) == before  # never read, changed or created through the link
        # before anything is written: nothing but the planted link, in every managed folder
        assert dict(tree(dest_of(tmp_path)), **tree(str(tmp_path / "middleware"))) == before_planted


@pytest.mark.parametrize("which", ["key", "certificate", "chain", "fullchain", "combined", "keystore", "record",
                                   "config"])
def test_unpack_refuses_a_link_swapped_in_after_an_install(mod, fx, tmp_path, which):
    args = full_unpack(fx, tmp_path)
    assert mod("pkcs12_unpack", **args)["changed"]
    path = managed_paths(tmp_path)[which]
    aim = victim(tmp_path, read(path))  # the same bytes behind the link: the no-change path must not be fooled
    os.unlink(path)
    os.symlink(aim, path)
    before = tree(str(tmp_path))
    # the same inputs (a no-change run) and another bundle (a replacement with backups)
    for other in (args, full_unpack(fx, tmp_path, content=b64(fx["p12_expired"]), allow_expired=True)):
        result = mod("pkcs12_unpack", diff=True, **other)
        refused(result, path, LINK)
        assert tree(str(tmp_path)) == before


def test_link_in_a_folder_above_a_managed_path(mod, fx, tmp_path):
    outside = tmp_path / "outside"
    (outside / AUTH).mkdir(parents=True)
    os.symlink(str(outside), str(tmp_path / "roc"))  # a folder above dest
    result = mod("pkcs12_unpack", **unpack(fx, tmp_path))
    refused(result, str(tmp_path / "roc"), LINK)
    assert os.listdir(str(outside / AUTH)) == []
    os.unlink(str(tmp_path / "roc"))
    (tmp_path / "roc").mkdir()
    os.symlink(str(outside / AUTH), dest_of(tmp_path))  # dest itself
    result = mod("pkcs12_unpack", **unpack(fx, tmp_path))
    refused(result, dest_of(tmp_path), LINK)
    assert os.listdir(str(outside / AUTH)) == []


@pytest.mark.parametrize("kind", ["fifo", "socket", "device", "folder"])
@pytest.mark.parametrize("which", ["key", "certificate", "combined", "record", "config"])
def test_special_files_at_managed_paths_never_hang_and_are_refused(mod, fx, tmp_path, which, kind):
    path = managed_paths(tmp_path)[which]
    server = None
    if kind == "fifo":
        make_fifo(path)
    elif kind == "socket":
        server = make_socket(path)
    elif kind == "device":
        make_device(path)
    else:
        os.makedirs(path)
    try:
        before = tree(str(tmp_path / "roc"))
        result = mod("pkcs12_unpack", timeout=60, **full_unpack(fx, tmp_path))
        refused(result, path)
        assert tree(str(tmp_path / "roc")) == before
    finally:
        if server is not None:
            server.close()


def test_a_hard_link_at_a_managed_path_is_refused(mod, fx, tmp_path):
    aim = victim(tmp_path)
    paths = managed_paths(tmp_path)
    for which in ("key", "certificate", "config"):
        os.makedirs(os.path.dirname(paths[which]), exist_ok=True)
        os.link(aim, paths[which])
        snapshot = state(aim)
        result = mod("pkcs12_unpack", diff=True, **full_unpack(fx, tmp_path))
        refused(result, paths[which], "hard links")
        assert VICTIM.decode() not in result["_stdout"] and state(aim) == snapshot
        os.unlink(paths[which])


# ------------------------------------------------------------------------------------------------ csr
def csr_args(tmp_path, **extra):
    args = dict(privatekey_path=str(tmp_path / "private" / "a.key"), csr_path=str(tmp_path / "a.csr"), service=AUTH,
                **SUBJECT)
    args.update(extra)
    return args


@pytest.mark.parametrize("check_mode", [True, False])
def test_csr_does_not_adopt_a_key_reached_through_a_link(mod, fx, tmp_path, check_mode):
    """The key of the link's target is a valid key (an attacker's, 0644): never adopted, never re-permissioned."""
    aim = victim(tmp_path, read(os.path.join(fx["cli"], "leaf.key")), "attacker.key")
    args = csr_args(tmp_path, group="daemon")
    os.makedirs(os.path.dirname(args["privatekey_path"]))
    os.symlink(aim, args["privatekey_path"])
    snapshot = state(aim)
    result = mod("csr", check_mode=check_mode, diff=True, **args)
    refused(result, args["privatekey_path"], "symbolic link")
    assert state(aim) == snapshot and not os.path.lexists(args["csr_path"])
    assert not PEM_KEY.search(result["_stdout"])


@pytest.mark.parametrize("which", ["csr", "folder"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_csr_refuses_links_at_its_csr_and_its_folders(mod, tmp_path, which, check_mode):
    args = csr_args(tmp_path)
    aim = victim(tmp_path)
    if which == "csr":
        os.symlink(aim, args["csr_path"])
        where = args["csr_path"]
    else:
        os.symlink(os.path.dirname(aim), os.path.dirname(args["privatekey_path"]))
        where = os.path.dirname(args["privatekey_path"])
    before = tree(str(tmp_path))
    result = mod("csr", check_mode=check_mode, **args)
    refused(result, where, "symbolic link")
    assert tree(str(tmp_path)) == before  # not even the key written


@pytest.mark.parametrize("kind", ["fifo", "socket", "hardlink"])
def test_csr_special_files_at_the_key_path(mod, tmp_path, kind):
    args = csr_args(tmp_path)
    server = None
    if kind == "fifo":
        make_fifo(args["privatekey_path"])
    elif kind == "socket":
        server = make_socket(args["privatekey_path"])
    else:
        os.makedirs(os.path.dirname(args["privatekey_path"]))
        os.link(victim(tmp_path), args["privatekey_path"])
    try:
        before = tree(str(tmp_path))
        result = mod("csr", timeout=60, **args)
        refused(result, args["privatekey_path"])
        assert tree(str(tmp_path)) == before
    finally:
        if server is not None:
            server.close()


def test_csr_never_adopts_a_key_planted_by_another_user(mod, fx, tmp_path):
    """A valid key pre-planted by nobody (0644) or left readable by all: others know it, it is not adopted;
    regenerate=always replaces it with a new key, root's, with the mode asked."""
    args = csr_args(tmp_path, group="daemon", mode="0640")
    planted = read(os.path.join(fx["cli"], "leaf.key"))
    os.makedirs(os.path.dirname(args["privatekey_path"]))
    with open(args["privatekey_path"], "wb") as handle:
        handle.write(planted)
    os.chown(args["privatekey_path"], NOBODY.pw_uid, NOBODY.pw_gid)
    os.chmod(args["privatekey_path"], 0o644)
    before = tree(str(tmp_path))
    refused(mod("csr", **args), args["privatekey_path"], "uid %d" % NOBODY.pw_uid, "not adopted")
    os.chown(args["privatekey_path"], 0, 0)
    refused(mod("csr", **args), args["privatekey_path"], "mode 0644", "not adopted")
    os.chown(args["privatekey_path"], NOBODY.pw_uid, NOBODY.pw_gid)
    assert tree(str(tmp_path)) == dict(before)
    result = mod("csr", **dict(args, regenerate="always"))
    assert result["changed"] and result["privatekey_created"], result
    assert owner_mode(args["privatekey_path"]) == (0, DAEMON_GID, 0o640)
    assert read(args["privatekey_path"]) != planted
    for name in os.listdir(os.path.dirname(args["privatekey_path"])):  # the backup of the planted file too
        assert owner_mode(os.path.join(os.path.dirname(args["privatekey_path"]), name)) == (0, DAEMON_GID, 0o640)
    assert openssl("rsa", "-in", args["privatekey_path"], "-noout", "-modulus") == openssl(
        "req", "-in", args["csr_path"], "-noout", "-modulus")


def test_csr_refuses_a_mode_others_could_read(mod, tmp_path):
    args = csr_args(tmp_path, mode="0644")
    refused(mod("csr", **args), "mode 0644", args["privatekey_path"])
    assert not os.path.lexists(str(tmp_path / "private"))


# ---------------------------------------------------------------- 2. key material is root's, with the mode asked
@pytest.mark.parametrize("asked", [{}, {"group": "daemon", "mode": "0640"}])
@pytest.mark.parametrize("which", ["key", "combined", "keystore"])
def test_a_file_planted_by_another_user_at_a_key_path(mod, fx, tmp_path, which, asked):
    path = managed_paths(tmp_path)[which]
    os.makedirs(os.path.dirname(path), mode=0o700)
    with open(path, "wb") as handle:
        handle.write(b"planted by nobody, waiting for the key\n")
    os.chown(path, NOBODY.pw_uid, NOBODY.pw_gid)
    os.chmod(path, 0o644)
    result = mod("pkcs12_unpack", **full_unpack(fx, tmp_path, **asked))
    assert result["changed"], result
    expected = (0, DAEMON_GID, 0o640) if asked else (0, 0, 0o600)
    for key_file in ("key", "combined", "keystore"):
        assert owner_mode(managed_paths(tmp_path)[key_file]) == expected, key_file
    backups = [os.path.join(os.path.dirname(path), n) for n in os.listdir(os.path.dirname(path)) if n.endswith("~")]
    assert backups and all(owner_mode(b) == expected for b in backups)  # the backup too: asked, not the old file's


def test_an_identical_key_planted_by_another_user_ends_roots(mod, fx, tmp_path):
    """The very bytes of the key, planted 0644 by nobody: the content is kept, owner and mode are not."""
    reference = mod("pkcs12_unpack", **unpack(fx, tmp_path / "ref"))
    key = managed_paths(tmp_path)["key"]
    os.makedirs(os.path.dirname(key), mode=0o700)
    with open(key, "wb") as handle:
        handle.write(read(reference["files"]["privatekey"]))
    os.chown(key, NOBODY.pw_uid, NOBODY.pw_gid)
    os.chmod(key, 0o644)
    result = mod("pkcs12_unpack", diff=True, **unpack(fx, tmp_path))
    assert result["changed"]
    assert owner_mode(key) == (0, 0, 0o600) and read(key) == read(reference["files"]["privatekey"])
    assert not PEM_KEY.search(result["_stdout"])


@pytest.mark.parametrize("mode", ["0644", "0604", "0666"])
def test_a_mode_that_lets_others_read_key_material_is_refused(mod, fx, tmp_path, mode):
    result = mod("pkcs12_unpack", **full_unpack(fx, tmp_path, mode=mode))
    refused(result, "mode %s" % mode, managed_paths(tmp_path)["key"])
    assert not os.path.lexists(dest_of(tmp_path))


def test_a_put_back_restores_owner_group_and_mode(mod, fx, tmp_path):
    """A rename that fails mid-commit: every file already swapped is put back with its uid, gid and mode."""
    args = unpack(fx, tmp_path, group="daemon", mode="0640")
    assert mod("pkcs12_unpack", **args)["changed"]
    paths = managed_paths(tmp_path)
    os.chown(paths["certificate"], NOBODY.pw_uid, DAEMON_GID)  # a certificate of another owner: kept as it was
    before = tree(dest_of(tmp_path))
    other = dict(args, content=b64(fx["p12_expired"]), allow_expired=True, group=None, mode=None, owner=None)
    for at in (2, 3):
        result = mod("pkcs12_unpack", env={"PYTHONPATH": FAULTS, "ROC_FAULT": "rename-fail:%d" % at}, **other)
        refused(result, "put back")
        assert tree(dest_of(tmp_path)) == before, at
        assert owner_mode(paths["key"]) == (0, DAEMON_GID, 0o640)
        assert os.lstat(paths["certificate"]).st_uid == NOBODY.pw_uid


def test_a_put_back_after_a_failed_trust_update_restores_attributes(mod, fx, tmp_path):
    from test_trust_anchor import lab_anchors
    store = tmp_path / "anchors"
    ok = dict(anchors=lab_anchors(fx)[:1], os_family="debian", store_dir=str(store), update_command=["true"],
              group="daemon")
    assert mod("trust_anchor", **ok)["changed"]
    before = tree(str(store))
    failing = dict(ok, anchors=lab_anchors(fx), group="root", update_command=["sh", "-c", "exit 3"])
    refused(mod("trust_anchor", **failing), "put back")
    assert tree(str(store)) == before  # the group changed by the failed run is back to daemon


# ----------------------------------------------------------------------------------------------- backups
def test_links_planted_at_the_next_backup_names(mod, fx, tmp_path):
    args = unpack(fx, tmp_path)
    assert mod("pkcs12_unpack", **args)["changed"]
    key = managed_paths(tmp_path)["key"]
    old_key = read(key)
    aim = victim(tmp_path)
    now = time.time()
    for seconds in range(0, 20):  # every name a backup could take in the next 20 seconds
        os.symlink(aim, "%s.%s~" % (key, time.strftime("%Y-%m-%d@%H:%M:%S", time.localtime(now + seconds))))
    snapshot = state(aim)
    result = mod("pkcs12_unpack", **dict(args, content=b64(fx["p12_expired"]), allow_expired=True))
    assert result["changed"], result
    backup = result["backup_files"][key]
    assert not os.path.islink(backup) and read(backup) == old_key and owner_mode(backup) == (0, 0, 0o600)
    assert state(aim) == snapshot


def test_keep_backups_keeps_the_newest_and_nothing_else_is_touched(mod, fx, tmp_path):
    args = unpack(fx, tmp_path, keep_backups=2)
    bundles = [fx["p12"]["auth_cli"], fx["p12_expired"]]
    assert mod("pkcs12_unpack", **args)["changed"]
    key = managed_paths(tmp_path)["key"]
    folder = os.path.dirname(key)
    # what the pruning must leave alone: another name, a link and a FIFO named like backups, another file's backup
    aim = victim(tmp_path)
    os.symlink(aim, key + ".2000-01-01@00:00:00~")
    os.mkfifo(key + ".2000-01-02@00:00:00~")
    with open(key + ".old~", "wb") as handle:
        handle.write(b"x")
    strangers = tree(folder)
    strangers = dict((p, d) for p, d in strangers.items() if p.endswith(("00:00:00~", ".old~")))
    contents = []
    for run in range(5):
        contents.append(read(key))
        result = mod("pkcs12_unpack", **dict(args, content=b64(bundles[(run + 1) % 2]), allow_expired=True))
        assert result["changed"]
    backups = sorted(n for n in os.listdir(folder) if re.match(re.escape(AUTH) + r"\.key\.\d{4}-.*~$", n)
                     and os.path.isfile(os.path.join(folder, n)) and not os.path.islink(os.path.join(folder, n)))
    assert len(backups) == 2, backups
    assert sorted(read(os.path.join(folder, n)) for n in backups) == sorted(contents[-2:])
    assert dict((p, d) for p, d in tree(folder).items() if p in strangers) == strangers
    # 0: every backup kept
    for run in range(2):
        assert mod("pkcs12_unpack", **dict(args, keep_backups=0, content=b64(bundles[run % 2]),
                                           allow_expired=True))["changed"]
    assert len([n for n in os.listdir(folder) if re.match(re.escape(AUTH) + r"\.key\.\d{4}-.*~$", n)]) == 2 + 2 + 2


# -------------------------------------------------------------------------------------------- certificate
def certificate_args(fx, tmp_path, **extra):
    key = tmp_path / "site" / "k.key"
    if not key.exists():
        key.parent.mkdir(parents=True)
        key.write_bytes(read(os.path.join(fx["cli"], "leaf.key")))
        os.chmod(str(key), 0o600)
    out = tmp_path / "out"
    args = dict(content=read(os.path.join(fx["cli"], "leaf.pem")).decode(), privatekey_path=str(key),
                path=str(out / "leaf.crt"), chain_path=str(out / "chain.pem"), fullchain_path=str(out / "full.pem"),
                combined_path=str(out / "combined.pem"), service=AUTH, usage="auth_cli",
                ca_path=anchors_file(fx, tmp_path))
    args.update(extra)
    return args


@pytest.mark.parametrize("which", ["path", "chain_path", "fullchain_path", "combined_path", "privatekey_path",
                                   "next_privatekey_path"])
def test_certificate_refuses_links(mod, fx, tmp_path, which):
    args = certificate_args(fx, tmp_path, next_privatekey_path=str(tmp_path / "site" / "k.next.key"))
    link = args[which]
    os.makedirs(os.path.dirname(link), exist_ok=True)
    aim = victim(tmp_path, read(os.path.join(fx["cli"], "leaf.key")) if "privatekey" in which else VICTIM)
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(aim, link)
    snapshot = state(aim)
    before = tree(str(tmp_path / "out"))
    result = mod("certificate", diff=True, **args)
    refused(result, link, "symbolic link")
    assert state(aim) == snapshot and tree(str(tmp_path / "out")) == before
    assert not PEM_KEY.search(result["_stdout"]) and VICTIM.decode() not in result["_stdout"]


# ---------------------------------------------------------------------------------------------- keystore
@pytest.mark.parametrize("which", ["path", "privatekey_path", "certificate_path", "fifo"])
def test_keystore_refuses_links_and_fifos(mod, fx, tmp_path, which):
    files = mod("pkcs12_unpack", **unpack(fx, tmp_path))["files"]
    args = dict(path=str(tmp_path / "ks" / "svc.p12"), alias=AUTH, passphrase=KS_PASS, privatekey_path=files["privatekey"],
                certificate_path=files["certificate"])
    if which == "fifo":
        where = str(tmp_path / "ks" / "cert.pem")
        make_fifo(where)
        args["certificate_path"] = where
    else:
        where = args[which] if which == "path" else str(tmp_path / "links" / which)
        os.makedirs(os.path.dirname(where), exist_ok=True)
        os.symlink(args[which] if which != "path" else victim(tmp_path), where)
        args[which] = where
    before = tree(str(tmp_path / "ks"))
    result = mod("keystore", timeout=60, **args)
    refused(result, where)
    assert tree(str(tmp_path / "ks")) == before


def test_keystore_planted_by_another_user_ends_roots(mod, fx, tmp_path):
    files = mod("pkcs12_unpack", **unpack(fx, tmp_path))["files"]
    path = tmp_path / "ks" / "svc.p12"
    path.parent.mkdir()
    path.write_bytes(b"planted")
    os.chown(str(path), NOBODY.pw_uid, NOBODY.pw_gid)
    os.chmod(str(path), 0o666)
    result = mod("keystore", path=str(path), alias=AUTH, passphrase=KS_PASS, privatekey_path=files["privatekey"],
                 certificate_path=files["certificate"])
    assert result["changed"] and owner_mode(str(path)) == (0, 0, 0o600)
    openssl("pkcs12", "-in", str(path), "-passin", "pass:" + KS_PASS, "-nokeys")


# ----------------------------------------------------------------------------------------------- trust_anchor
def lab_trust(fx):
    from test_trust_anchor import lab_anchors
    return lab_anchors(fx)


@pytest.mark.parametrize("which", ["anchor", "store_dir", "absent"])
def test_trust_system_store_refuses_links(mod, fx, tmp_path, which):
    store = tmp_path / "anchors"
    aim = victim(tmp_path)
    args = dict(anchors=lab_trust(fx)[:1], os_family="debian", store_dir=str(store), update_command=["true"])
    if which == "store_dir":
        os.symlink(os.path.dirname(aim), str(store))
        where = str(store)
    else:
        store.mkdir()
        where = str(store / (args["anchors"][0]["name"] + ".crt"))
        os.symlink(aim if which == "anchor" else str(tmp_path / "nowhere"), where)
    if which == "absent":  # a dangling link under state=absent: a clear refusal, no traceback
        args = dict(args, state="absent", anchors=[{"name": args["anchors"][0]["name"]}])
    before = tree(str(tmp_path))
    refused(mod("trust_anchor", **args), where, "symbolic link")
    assert tree(str(tmp_path)) == before


@pytest.mark.parametrize("kind", ["link", "fifo", "not-utf8", "not-ascii"])
def test_trust_bundle_attacks(mod, fx, tmp_path, kind):
    path = str(tmp_path / "trust" / "amc.pem")
    os.makedirs(os.path.dirname(path))
    if kind == "link":
        os.symlink(victim(tmp_path), path)
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        with open(path, "wb") as handle:
            bad = b"\xff\xfe bad\n" if kind == "not-utf8" else "Côte-d'Or\n".encode("utf-8")
            handle.write(b"# esante.roc anchor: old\n" + bad)
    before = tree(str(tmp_path))
    msg = refused(mod("trust_anchor", timeout=60, anchors=lab_trust(fx), store="bundle", bundle_path=path), path)
    if kind.startswith("not-"):
        assert ("UTF-8" in msg) if kind == "not-utf8" else ("non-ASCII" in msg and "line 2" in msg)
    assert tree(str(tmp_path)) == before


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_trust_java_keystore_attacks(mod, fx, tmp_path, kind):
    path = str(tmp_path / "java" / "truststore.p12")
    os.makedirs(os.path.dirname(path))
    if kind == "link":
        os.symlink(victim(tmp_path), path)
    else:
        os.mkfifo(path)
    before = tree(str(tmp_path))
    refused(mod("trust_anchor", timeout=60, anchors=lab_trust(fx), store="java", keystore_path=path,
                keystore_password="changeit-lab"), path)
    assert tree(str(tmp_path)) == before


# ----------------------------------------------------------------------------------------------- config_files
@pytest.mark.parametrize("kind", ["link", "parent-link", "fifo", "hardlink"])
def test_config_files_attacks(mod, tmp_path, kind):
    secret = victim(tmp_path, b"db.password=the-victim-secret\n")
    path = str(tmp_path / "etc" / "app.conf")
    os.makedirs(os.path.dirname(path))
    if kind == "link":
        os.symlink(secret, path)
    elif kind == "parent-link":
        os.rmdir(os.path.dirname(path))
        os.symlink(os.path.dirname(secret), os.path.dirname(path))
        path = os.path.join(os.path.dirname(path), "victim")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        os.link(secret, path)
    snapshot = state(secret)
    before = tree(str(tmp_path))
    result = mod("config_files", diff=True, timeout=60, files=[{"path": path, "content": "x=1\n", "mode": "0600"}])
    refused(result, os.path.dirname(path) if kind == "parent-link" else path)
    assert "the-victim-secret" not in result["_stdout"]
    assert state(secret) == snapshot and tree(str(tmp_path)) == before


def test_config_files_hide_key_material_by_content(mod, fx, tmp_path):
    """A configuration file that holds a key (a PEM pasted in, or a key file at its path): never in a diff, root's
    and 0600 whatever stood there, and a mode others could read is refused."""
    key_pem = read(os.path.join(fx["cli"], "leaf.key")).decode()
    path = tmp_path / "etc" / "client.pem"
    path.parent.mkdir()
    path.write_text("planted\n")
    os.chown(str(path), NOBODY.pw_uid, NOBODY.pw_gid)
    os.chmod(str(path), 0o644)
    result = mod("config_files", diff=True, files=[{"path": str(path), "content": "# client\n" + key_pem}])
    assert result["changed"] and not PEM_KEY.search(result["_stdout"]), result
    assert owner_mode(str(path)) == (0, 0, 0o600)
    refused(mod("config_files", files=[{"path": str(path), "content": key_pem + "x\n", "mode": "0644"}]),
            "mode 0644", str(path))
    # the old content holds the key: not shown either when it is replaced by plain text
    result = mod("config_files", diff=True, files=[{"path": str(path), "content": "no key any more\n"}])
    assert result["changed"] and not PEM_KEY.search(result["_stdout"])
    assert key_pem.splitlines()[1] not in result["_stdout"]


# -------------------------------------------------------------------------------------------- revoke_material
def revocable(mod, fx, tmp_path):
    """A service folder as the roles leave it: material, combined file, keystore, record, backups, and a renewal
    key with its CSR waiting."""
    args = full_unpack(fx, tmp_path, key_passphrase=KEY_PASS)
    assert mod("pkcs12_unpack", **args)["changed"]
    assert mod("pkcs12_unpack", **dict(args, content=b64(fx["p12_expired"]), allow_expired=True))["changed"]
    dest = dest_of(tmp_path)
    renewal = dict(privatekey_path=os.path.join(dest, AUTH + ".next.key"),
                   csr_path=os.path.join(dest, AUTH + ".next.csr"), service=AUTH, **SUBJECT)
    assert mod("csr", **renewal)["changed"]
    return dict(service=AUTH, certs_dir=str(tmp_path / "roc"))


def test_revoke_shows_no_key_and_removes_everything(mod, fx, tmp_path):
    args = revocable(mod, fx, tmp_path)
    dest = dest_of(tmp_path)
    names = os.listdir(dest)
    assert "." + AUTH + ".crt.esante-roc" in names and any(n.endswith("~") for n in names)
    leaf = os.path.join(dest, AUTH + ".crt")
    serial = openssl("x509", "-in", leaf, "-noout", "-serial").decode().strip().split("=")[1]
    # the body lines of every key in the folder (the key, the combined file, the renewal key, their backups)
    key_lines = set()
    for name in names:
        text = read(os.path.join(dest, name)).decode("latin-1")
        for block in re.findall(r"-----BEGIN ([A-Z ]*PRIVATE KEY)-----(.*?)-----END \1-----", text, re.S):
            key_lines.update(line for line in block[1].splitlines() if len(line) > 40)
    assert len(key_lines) > 20
    before = tree(dest)
    predicted = mod("revoke_material", check_mode=True, diff=True, **args)
    assert predicted["changed"] and tree(dest) == before
    result = mod("revoke_material", diff=True, **args)
    for out in (predicted, result):
        assert not PEM_KEY.search(out["_stdout"])
        assert not [line for line in key_lines if line in out["_stdout"]]
        assert KS_PASS not in out["_stdout"] and KEY_PASS not in out["_stdout"]
    assert result["changed"] and not os.path.lexists(dest)  # the record and the backups went too
    assert sorted(result["removed"]) == sorted(os.path.join(dest, n) for n in names)
    facts = dict((c["path"], c) for c in result["certificates"])
    assert facts[leaf]["serial"].replace(":", "").lower().lstrip("0") == serial.lower().lstrip("0")
    assert facts[leaf]["sha256"] == predicted["certificates"][[c["path"] for c in predicted["certificates"]].index(leaf)][
        "sha256"]
    assert mod("revoke_material", **args)["changed"] is False


def test_revoke_keep_backup_keeps_every_key_bearing_file_aside(mod, fx, tmp_path):
    args = revocable(mod, fx, tmp_path)
    dest = dest_of(tmp_path)
    with_keys = {}
    for name in os.listdir(dest):
        data = read(os.path.join(dest, name))
        if PEM_KEY.search(data.decode("latin-1")) or name.endswith(".p12") or ".p12." in name:
            with_keys[hashlib.sha256(data).hexdigest()] = name
    assert len(with_keys) >= 5  # key, combined, keystore, renewal key, their backups
    result = mod("revoke_material", keep_backup=True, **dict(args))
    assert result["changed"], result
    left = dict((hashlib.sha256(read(os.path.join(dest, n))).hexdigest(), n) for n in os.listdir(dest))
    assert sorted(left) == sorted(with_keys)  # every key-bearing file aside, nothing else
    for name in left.values():
        assert name.endswith("~") and owner_mode(os.path.join(dest, name)) == (0, 0, 0o600)


@pytest.mark.parametrize("kind", ["folder-link", "certs-dir-link", "link-inside", "fifo-inside", "folder-inside"])
def test_revoke_refuses_links_and_special_files(mod, fx, tmp_path, kind):
    args = revocable(mod, fx, tmp_path)
    dest = dest_of(tmp_path)
    if kind == "folder-link":
        real = str(tmp_path / "outside" / "material")
        os.makedirs(os.path.dirname(real))
        os.rename(dest, real)
        os.symlink(real, dest)
        where, watched = dest, real
    elif kind == "certs-dir-link":
        real = str(tmp_path / "outside" / "roc")
        os.makedirs(os.path.dirname(real))
        os.rename(str(tmp_path / "roc"), real)
        os.symlink(real, str(tmp_path / "roc"))
        where, watched = str(tmp_path / "roc"), real
    else:
        where, watched = os.path.join(dest, AUTH + ".extra"), dest
        if kind == "link-inside":
            os.symlink(victim(tmp_path), where)
        elif kind == "fifo-inside":
            os.mkfifo(where)
        else:
            os.mkdir(where)
    before = tree(str(tmp_path))
    refused(mod("revoke_material", timeout=60, **args), where)
    assert tree(str(tmp_path)) == before and os.listdir(watched)


@pytest.mark.parametrize("service", [AUTH + "\n", "../" + AUTH, ".hidden", AUTH + "/x", ""])
def test_revoke_service_must_be_a_whole_name(mod, tmp_path, service):
    (tmp_path / "roc" / AUTH).mkdir(parents=True)
    (tmp_path / "roc" / AUTH / "x.crt").write_text("x")
    before = tree(str(tmp_path))
    refused(mod("revoke_material", service=service, certs_dir=str(tmp_path / "roc")), "service")
    assert tree(str(tmp_path)) == before


# ------------------------------------------------------------------------------- 7. the install record's secrets
def test_the_record_holds_no_guessing_oracle(mod, fx, tmp_path):
    args = full_unpack(fx, tmp_path, key_passphrase=KEY_PASS)
    assert mod("pkcs12_unpack", **args)["changed"]
    record = read(managed_paths(tmp_path)["record"]).decode()
    data = json.loads(record)
    source = hashlib.sha256(read(fx["p12"]["auth_cli"])).digest()
    for name, value in (("passphrase", PASS), ("key_passphrase", KEY_PASS), ("keystore_passphrase", KS_PASS)):
        assert value not in record
        # the verifier of 1.x (PBKDF2, public salt): an offline guessing oracle, gone
        assert hashlib.pbkdf2_hmac("sha256", value.encode(), source[:16], 10000).hex() not in record
        assert hashlib.sha256(value.encode()).hexdigest() not in record
        # the verifier is an HMAC under a key the record does not hold: without it, no guess can be checked
        guess = hmac.new(os.urandom(32), b"\0".join((source, name.encode(), value.encode())), hashlib.sha256)
        assert data["inputs"]["secrets"][name] != guess.hexdigest()
    st = os.lstat("/var/lib/esante-roc/record.key")
    assert stat.S_ISREG(st.st_mode) and st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o600 and st.st_size == 32
    folder = os.lstat("/var/lib/esante-roc")
    assert stat.S_ISDIR(folder.st_mode) and folder.st_uid == 0 and stat.S_IMODE(folder.st_mode) == 0o700
    host_key = read("/var/lib/esante-roc/record.key")
    expected = hmac.new(host_key, b"\0".join((source, b"passphrase", PASS.encode())), hashlib.sha256).hexdigest()
    assert data["inputs"]["secrets"]["passphrase"] == expected
    # and the record still answers a no-change run without opening the bundle
    again = mod("pkcs12_unpack", env={"PYTHONPATH": FAULTS, "ROC_FAULT": "trap-keys:0"}, **args)
    assert again.get("failed") is not True and again["changed"] is False, again


class _Module(object):
    """A real AnsibleModule, in this process, for the writer's and the record's functions."""

    @staticmethod
    def make(check_mode=False, **params):
        from ansible.module_utils import basic
        from ansible_collections.esante.roc.plugins.module_utils import common
        args = dict(params, _ansible_check_mode=check_mode, _ansible_tmpdir="/tmp", _ansible_remote_tmp="/tmp")
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
        basic._ANSIBLE_PROFILE = "legacy"
        return basic.AnsibleModule(argument_spec=dict(common.FILE_OPTIONS), supports_check_mode=True)


@pytest.mark.parametrize("case", ["link", "other-owner", "wide-mode", "short", "wide-folder", "folder-link", "fifo"])
def test_an_untrusted_record_key_means_no_fast_path(tmp_path, monkeypatch, case):
    from ansible_collections.esante.roc.plugins.module_utils import install_record
    from ansible_collections.esante.roc.plugins.module_utils.writer import FileWriter
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    key = folder / "record.key"
    if case == "link":
        os.symlink(victim(tmp_path, os.urandom(32)), str(key))
    elif case == "fifo":
        os.mkfifo(str(key), 0o600)
    else:
        key.write_bytes(os.urandom(31 if case == "short" else 32))
        os.chmod(str(key), 0o644 if case == "wide-mode" else 0o600)
        if case == "other-owner":
            os.chown(str(key), NOBODY.pw_uid, 0)
        if case == "wide-folder":
            os.chmod(str(folder), 0o755)
    if case == "folder-link":
        os.rename(str(folder), str(tmp_path / "real-state"))
        os.symlink(str(tmp_path / "real-state"), str(folder))
    before = tree(str(tmp_path))
    monkeypatch.setattr(install_record, "KEY_DIR", str(folder))
    monkeypatch.setattr(install_record, "KEY_PATH", str(key))
    monkeypatch.setattr(install_record, "_HOST_KEY", {})
    assert install_record.host_key() == (None, False)
    params = {"passphrase": PASS, "service": AUTH}
    expected = install_record.inputs(params, b"bundle")
    assert expected["usable"] is False and install_record.unchanged(expected, params, str(tmp_path / "x.crt")) is None
    writer = FileWriter(_Module.make())
    install_record.plan_record(writer, expected, str(tmp_path / "x.crt"), 0, None, {})
    assert writer.planned == [] and tree(str(tmp_path)) == before
    # a trusted one is used as it is
    monkeypatch.setattr(install_record, "_HOST_KEY", {})
    good = tmp_path / "good"
    good.mkdir(mode=0o700)
    (good / "record.key").write_bytes(b"k" * 32)
    os.chmod(str(good / "record.key"), 0o600)
    monkeypatch.setattr(install_record, "KEY_DIR", str(good))
    monkeypatch.setattr(install_record, "KEY_PATH", str(good / "record.key"))
    assert install_record.host_key() == (b"k" * 32, True)


# -------------------------------------------------------------------------- a --diff -vvv scan of every module
def _playbook(fx, tmp_path, root, fail):
    """Every module, with every secret it takes; `fail`: each task refused (on the material of a good run)."""
    dest = str(root / "roc" / AUTH)
    cli = fx["cli"]
    key_pem = read(os.path.join(cli, "leaf.key")).decode()
    anchors = [{"name": "lab-ACI", "content": read(fx["aci"]).decode()},
               {"name": "lab-ACR", "content": read(fx["acr"]).decode()}]
    key, crt = dest + "/" + AUTH + ".key", dest + "/" + AUTH + ".crt"

    def pick(good, bad):
        return bad if fail else good
    tasks = [
        {"esante.roc.prerequisites": {"group": pick("root", "Not A Group!")}},
        {"esante.roc.csr": dict(privatekey_path=str(root / "csr" / "s.key"), csr_path=str(root / "csr" / "s.csr"),
                                service=AUTH, privatekey_passphrase=pick(KEY_PASS, "wrong"), **SUBJECT)},
        {"esante.roc.pkcs12_unpack": dict(src=pick(fx["p12"]["auth_cli"], fx["p12"]["sign"]), passphrase=PASS,
                                          dest=dest, service=AUTH, usage="auth_cli", ca_path=anchors_file(fx, tmp_path),
                                          combined_path=dest + "/" + AUTH + ".pem", key_passphrase=KEY_PASS,
                                          keystore_path=dest + "/" + AUTH + ".p12", keystore_passphrase=KS_PASS)},
        {"esante.roc.certificate": dict(
            content=read(os.path.join(cli, "leaf.pem")).decode(),
            privatekey_content=pick(key_pem, read(os.path.join(fx["pki"], "gie", "amc-annuaire.key")).decode()),
            privatekey_path=str(root / "node" / "k.key"), path=str(root / "node" / "c.crt"),
            combined_path=str(root / "node" / "c.pem"), service=AUTH, usage="auth_cli",
            ca_path=anchors_file(fx, tmp_path))},
        {"esante.roc.keystore": dict(path=str(root / "ks" / "s.p12"), alias=AUTH, passphrase=KS_PASS,
                                     privatekey_path=pick(key, str(root / "csr" / "s.key")),
                                     privatekey_passphrase=pick(KEY_PASS, "wrong"),
                                     certificate_path=pick(crt, os.path.join(cli, "leaf.pem")))},
        {"esante.roc.trust_anchor": dict(
            anchors=pick(anchors, [{"name": "leaf", "content": read(os.path.join(cli, "leaf.pem")).decode()}]),
            store="bundle", bundle_path=str(root / "trust.pem"))},
        {"esante.roc.config_files": dict(files=[{"path": str(root / "conf" / "roc.properties"),
                                                 "content": pick("roc.keystore=%s\n" % dest, "refused\n"),
                                                 "validate": pick("true %s", "false %s")}])},
        {"esante.roc.certificate_info": dict(path=pick(crt, str(root / "csr" / "s.key")), privatekey_path=key,
                                             privatekey_passphrase=KEY_PASS)},
        {"esante.roc.revoke_material": dict(service=pick(AUTH, AUTH + "\n"), certs_dir=str(root / "roc")),
         "check_mode": True},
        {"esante.roc.revoke_material": dict(service=pick(AUTH, "../etc"), certs_dir=str(root / "roc"))},
    ]
    for task in tasks:
        task["ignore_errors"] = fail
    path = tmp_path / ("play-%s.yml" % ("fail" if fail else "ok"))
    path.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    return str(path), key_pem


@pytest.mark.parametrize("fail", [False, True])
def test_diff_vvv_shows_no_secret(fx, tmp_path, fail):
    """Every module through ansible-playbook --diff -vvv (local connection), on success, and on failure over the
    material a successful run left: no private key, no line of one, no passphrase, no bundle in the output."""
    root = tmp_path / "host"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=SRC_ROOT, ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "atmp"), ANSIBLE_REMOTE_TEMP=str(tmp_path / "rtmp"))
    env.pop("ANSIBLE_CONFIG", None)
    command = [os.path.join(TOP, ".venv", "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local", "--diff",
               "-vvv", "-e", "ansible_python_interpreter=%s" % sys.executable]
    runs = [_playbook(fx, tmp_path, root, False)]
    if fail:
        runs.append(_playbook(fx, tmp_path, root, True))
    for index, (playbook, key_pem) in enumerate(runs):
        proc = subprocess.run(command + [playbook], capture_output=True, env=env, cwd=str(tmp_path), timeout=900,
                              check=False)
        out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        (tmp_path / ("output-%d.txt" % index)).write_text(out)  # to read when a check below fails
        if index == 0:
            assert proc.returncode == 0 and "failed=0" in out, out[-6000:]
            assert "--- before" in out and "+++ after" in out  # diffs were shown
        else:
            assert "ignored=10" in out, out[-6000:]
        assert not PEM_KEY.search(out), "a private key PEM in the output"
        assert not [line for line in key_pem.splitlines() if "-----" not in line and line in out], "a key line"
        for secret in (PASS, KEY_PASS, KS_PASS):
            assert secret not in out, secret
        bundle = base64.b64encode(read(fx["p12"]["auth_cli"])).decode()
        assert bundle[:60] not in out and bundle[len(bundle) // 2:len(bundle) // 2 + 60] not in out
        assert "Traceback" not in out
