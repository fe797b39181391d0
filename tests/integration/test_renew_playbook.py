"""esante.roc.renew from the installed collection, csr path, over two hosts of one structure: the renewal key
and CSR wait next to the live files (untouched), the lab platform signs, then the swap happens while a client
makes mutual-TLS handshakes in a loop with the combined file: zero failed handshakes, old and new
certificates both seen by the server, the middleware handler once, and the next run changes nothing."""

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import TOP

COLLECTIONS = os.path.join(TOP, ".build", "collections")
AUTH, SIGN = "Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"
HOSTS = ("h1", "h2")


def play(tmp_path, name, extra=None):
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "esante", "roc")):
        pytest.fail("the collection is not installed in .build/collections: run make collection (make test does)")
    (tmp_path / "extra.json").write_text(json.dumps(extra or {}))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return subprocess.run([playbook, "-i", str(tmp_path / "inventory.json"), "-e", "@%s" % (tmp_path / "extra.json"),
                           name], capture_output=True, text=True, env=env, check=False)


def inventory(tmp_path, fx):
    pki = fx["pki"]
    structure = {"organization": "CENTRE HOSPITALIER LAB", "state_province": "Côte-d'Or (21)",
                 "identifier_type": "finess", "identifier": "210780417", "contract_level": "EJ", "environment": "test",
                 "services": {AUTH: {"usage": "auth_cli", "delivery": "csr"},
                              SIGN: {"usage": "sign", "delivery": "csr"}}}
    hosts = dict((h, {"roc_certs_dir": str(tmp_path / h / "certs"), "roc_middleware_dir": str(tmp_path / h / "mw")})
                 for h in HOSTS)
    data = {"all": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable, "roc_structure": "ch",
        "roc_structures": {"ch": structure}, "roc_orders_dir": str(tmp_path / "orders"), "roc_group": "root",
        "roc_middleware_keystore_password": "lab-only-ks",
        "roc_ca_files": [os.path.join(pki, "igc", "ACI-EL-ORG-TEST.pem"), os.path.join(pki, "igc", "ACR-EL-TEST.pem")]}}}
    (tmp_path / "inventory.json").write_text(json.dumps(data))


def sign(fx, folder, suffix):
    signed = []
    for service, usage in ((AUTH, "auth_cli"), (SIGN, "sign")):
        csr = os.path.join(folder, service + suffix + ".csr")
        out = os.path.join(folder, service + suffix + ".crt")
        subprocess.run([sys.executable, os.path.join(TOP, "tests", "lab", "labpki.py"), "sign-csr", "--pki", fx["pki"],
                        "--csr", csr, "--usage", usage, "--out", out], check=True, capture_output=True)
        signed.append(out)
    return signed


def serial(pem_path):
    out = subprocess.run(["openssl", "x509", "-in", pem_path, "-noout", "-serial"], capture_output=True, text=True,
                         check=True).stdout
    return out.strip().split("=", 1)[1].upper()


def tree(root):
    out = {}
    for base, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return out


def changed(result):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))


class AmcServer(object):
    """The lab AMC directory: an openssl s_server that demands a client certificate of the IGC-Santé lab CAs
    and answers each GET with a status page naming the client certificate it accepted."""

    def __init__(self, fx, tmp_path):
        pki = fx["pki"]
        ca = tmp_path / "client-ca.pem"
        ca.write_bytes(open(os.path.join(pki, "igc", "ACI-EL-ORG-TEST.pem"), "rb").read()
                       + open(os.path.join(pki, "igc", "ACR-EL-TEST.pem"), "rb").read())
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        trust = tmp_path / "amc-trust.pem"  # what the trust role puts in the application bundle
        trust.write_bytes(open(os.path.join(pki, "gie", "GIE-LAB-ROOT.pem"), "rb").read()
                          + open(os.path.join(pki, "gie", "AC-SERVEUR.pem"), "rb").read())
        self.trust = str(trust)
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port, "-www", "-tls1_2",
             "-cert", os.path.join(pki, "gie", "amc-annuaire.pem"), "-key", os.path.join(pki, "gie", "amc-annuaire.key"),
             "-CAfile", str(ca), "-Verify", "3", "-verify_return_error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the lab AMC server did not start")

    def handshake(self, combined):
        """(ok, serial of the client certificate the server accepted) for one client run reading `combined`.
        The file is read once, as a middleware reads it (s_client opens -cert and -key separately: two reads could
        straddle the atomic rename and pair the old certificate with the new key, a race of the client, not of
        the file)."""
        with open(combined, "rb") as handle:
            data = handle.read()
        snapshot = "%s.client-%d" % (self.trust, threading.get_ident())
        with open(snapshot, "wb") as handle:
            handle.write(data)
        proc = subprocess.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.port, "-tls1_2", "-CAfile", self.trust,
             "-verify_return_error", "-ign_eof", "-cert", snapshot, "-key", snapshot],
            input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=20, check=False)
        page = proc.stdout.decode("utf-8", "replace")
        if proc.returncode != 0 or "HTTP/1.0 200 ok" not in page:
            return False, (proc.stderr.decode("utf-8", "replace")[-300:])
        # s_server -www shows the client certificate it verified
        found = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", page.split("Client certificate")[-1],
                           re.S)
        if not found:
            return True, None
        out = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=found[0].encode(), capture_output=True,
                             check=True).stdout.decode()
        return True, out.strip().split("=", 1)[1].upper()

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def combined_path(tmp_path, host, service):
    return str(tmp_path / host / "certs" / service / (service + ".pem"))


def handshakes_during(server, tmp_path, action):
    """(action's result, handshakes that succeeded, that failed): a client makes mutual-TLS handshakes in a
    loop with each host's combined file from before the action starts until after it ends."""
    seen, failures, stop = [], [], threading.Event()

    def client():
        while not stop.is_set():
            for host in HOSTS:
                ok, detail = server.handshake(combined_path(tmp_path, host, AUTH))
                (seen if ok else failures).append((host, detail))

    thread = threading.Thread(target=client)
    thread.start()
    try:
        time.sleep(0.5)
        result = action()
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    return result, seen, failures


def test_renewal_swaps_with_zero_failed_handshakes(fx, tmp_path):
    # every path comes from the inventory: the controller's own /etc/roc is never touched
    etc_before = tree("/etc/roc") if os.path.isdir("/etc/roc") else None
    inventory(tmp_path, fx)
    orders = tmp_path / "orders" / "ch"
    first = play(tmp_path, "esante.roc.order")
    assert first.returncode == 0, first.stdout[-3000:]
    sign(fx, str(orders), "")
    for name in ("esante.roc.install", "esante.roc.middleware"):
        result = play(tmp_path, name)
        assert result.returncode == 0, result.stdout[-3000:]
    old_serial = serial(str(orders / (AUTH + ".crt")))
    server = AmcServer(fx, tmp_path)
    try:
        for host in HOSTS:
            assert server.handshake(combined_path(tmp_path, host, AUTH)) == (True, old_serial)

        # nothing is due (the certificates have 3 years): the run changes nothing
        idle = play(tmp_path, "esante.roc.renew")
        assert idle.returncode == 0 and changed(idle) == 0, idle.stdout[-3000:]
        assert "nothing to renew" in idle.stdout

        # phase 1: renewal keys and CSRs next to the live files, which stay byte-identical
        live = dict((h, tree(str(tmp_path / h / "certs"))) for h in HOSTS)
        ordered = play(tmp_path, "esante.roc.renew", {"roc_renew_force": True})
        assert ordered.returncode == 0, ordered.stdout[-3000:]
        h1_after = tree(str(tmp_path / "h1" / "certs"))
        assert dict((k, v) for k, v in h1_after.items() if k in live["h1"]) == live["h1"]
        assert sorted(set(h1_after) - set(live["h1"])) == sorted(
            "%s/%s.next.%s" % (s, s, ext) for s in (AUTH, SIGN) for ext in ("csr", "key"))
        assert tree(str(tmp_path / "h2" / "certs")) == live["h2"]
        for service in (AUTH, SIGN):
            subject = subprocess.run(["openssl", "req", "-in", str(orders / (service + ".renew.csr")), "-noout",
                                      "-subject", "-nameopt", "RFC2253", "-verify"], capture_output=True, text=True,
                                     check=True).stdout
            assert "CN=%s" % service in subject and "OU=1210780417" in subject
        assert (orders / "order-sheet.md").exists()
        assert "waiting for the platform" in ordered.stdout
        assert server.handshake(combined_path(tmp_path, "h2", AUTH)) == (True, old_serial)
        waiting = play(tmp_path, "esante.roc.renew", {"roc_renew_force": True})
        assert waiting.returncode == 0 and changed(waiting) == 0, waiting.stdout[-3000:]

        # the platform issues the renewed certificates
        new_serial = serial(sign(fx, str(orders), ".renew")[0])
        assert new_serial != old_serial

        # phase 2: the swap, while a client handshakes in a loop with each host's combined file
        swapped, seen, failures = handshakes_during(server, tmp_path, lambda: play(tmp_path, "esante.roc.renew"))
        assert swapped.returncode == 0, swapped.stdout[-3000:]
        assert failures == [], failures
        serials = [detail for _host, detail in seen]
        print("renewal swap: %d handshakes, %d failed, %d with the old certificate, %d with the new" % (
            len(seen), len(failures), serials.count(old_serial), serials.count(new_serial)))
        assert old_serial in serials and new_serial in serials, (len(seen), set(serials))
        # once a host served the new pair it never went back to the old one
        for host in HOSTS:
            mine = [d for h, d in seen if h == host]
            assert mine.index(new_serial) > 0 and old_serial not in mine[mine.index(new_serial):]
        assert swapped.stdout.count("RUNNING HANDLER [esante.roc.middleware : ROC middleware material changed]") == 1

        for host in HOSTS:
            certs = tmp_path / host / "certs"
            for service in (AUTH, SIGN):
                assert not (certs / service / (service + ".next.key")).exists()
                assert serial(str(certs / service / (service + ".crt"))) == serial(str(orders / (service + ".crt")))
                key_mod = subprocess.run(["openssl", "rsa", "-in", str(certs / service / (service + ".key")), "-noout",
                                          "-modulus"], capture_output=True, check=True).stdout
                crt_mod = subprocess.run(["openssl", "x509", "-in", str(certs / service / (service + ".crt")), "-noout",
                                          "-modulus"], capture_output=True, check=True).stdout
                assert key_mod == crt_mod
            assert serial(str(certs / AUTH / (AUTH + ".crt"))) == new_serial
            assert any(name.startswith(AUTH + ".key.") and name.endswith("~") for name in os.listdir(str(certs / AUTH)))
        assert sorted(p.name for p in orders.iterdir() if "renew" in p.name) == []
        assert server.handshake(combined_path(tmp_path, "h2", AUTH)) == (True, new_serial)

        # the next runs change nothing: renewal done, and install agrees with the order folder
        for name in ("esante.roc.renew", "esante.roc.install"):
            again = play(tmp_path, name)
            assert again.returncode == 0 and changed(again) == 0, again.stdout[-3000:]
    finally:
        server.stop()
    assert (tree("/etc/roc") if os.path.isdir("/etc/roc") else None) == etc_before


def test_p12_renewal_new_bundle_swaps_with_zero_failed_handshakes(fx, tmp_path):
    """p12 path: the renewed bundle replaces the old one in the inventory; esante.roc.renew installs it while a
    client handshakes in a loop with the combined file."""
    inventory(tmp_path, fx)
    data = json.loads((tmp_path / "inventory.json").read_text())
    services = data["all"]["vars"]["roc_structures"]["ch"]["services"]
    services[AUTH] = {"usage": "auth_cli", "delivery": "p12", "p12_src": fx["p12"]["auth_cli"],
                      "p12_passphrase": "lab-only-Passphrase-2026"}
    del services[SIGN]
    data["all"]["vars"]["roc_structures"]["ch"].update(organization="CHU LAB DE DIJON", identifier="210780581")
    (tmp_path / "inventory.json").write_text(json.dumps(data))
    for name in ("esante.roc.install", "esante.roc.middleware"):
        result = play(tmp_path, name)
        assert result.returncode == 0, result.stdout[-3000:]
    old_serial = serial(str(tmp_path / "h1" / "certs" / AUTH / (AUTH + ".crt")))
    renewed = subprocess.run([sys.executable, os.path.join(TOP, "tests", "lab", "labpki.py"), "issue-p12", "--pki",
                              fx["pki"], "--structure", "chu-lab-dijon", "--usage", "auth_cli", "--out-dir",
                              str(tmp_path / "renewed")], check=True, capture_output=True, text=True).stdout.strip()
    services[AUTH]["p12_src"] = renewed
    (tmp_path / "inventory.json").write_text(json.dumps(data))
    server = AmcServer(fx, tmp_path)
    try:
        swapped, seen, failures = handshakes_during(server, tmp_path, lambda: play(tmp_path, "esante.roc.renew"))
    finally:
        server.stop()
    assert swapped.returncode == 0, swapped.stdout[-3000:]
    new_serial = serial(str(tmp_path / "h1" / "certs" / AUTH / (AUTH + ".crt")))
    serials = [detail for _host, detail in seen]
    print("p12 renewal: %d handshakes, %d failed, %d old, %d new" % (
        len(seen), len(failures), serials.count(old_serial), serials.count(new_serial)))
    assert failures == [] and new_serial != old_serial
    assert old_serial in serials and new_serial in serials
    assert swapped.stdout.count("RUNNING HANDLER [esante.roc.middleware : ROC middleware material changed]") == 1
    again = play(tmp_path, "esante.roc.renew")
    assert again.returncode == 0 and changed(again) == 0, again.stdout[-3000:]
