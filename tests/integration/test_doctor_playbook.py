"""esante.roc.doctor over the lab fleet (three Debian containers: hosts 1 and 3 are chu-lab-dijon, test range, p12
path; host 2 is ch-lab-beaune, production range, csr path), after the procedure ran as a user runs it. The doctor
says OK on a healthy fleet and names each planted fault with its verdict: a key that does not match, a GIE anchor
missing from the middleware's bundle, an expired certificate (also different from its twin host's), a skewed
clock (libfaketime in the host's Python), a wrong keystore password, and a live mutual-TLS handshake to a lab AMC
server (openssl s_server demanding IGC lab client certificates) that succeeds, then fails naming the expiry. The
files it looks at are unchanged by it."""

import datetime
import json
import os
import subprocess
import sys

import pytest

from conftest import TOP

from labfleet import AUTH, lab_fleet

PREFIX = "roc-dr"
H1, H2, H3 = PREFIX + "-1", PREFIX + "-2", PREFIX + "-3"
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
SNAPSHOT = "find /etc/roc -xdev \\( -type f -o -type l \\) -printf '%p %m %u %g %s\\n' | sort; " \
           "find /etc/roc -xdev -type f | sort | xargs sha256sum"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with lab_fleet(tmp_path_factory, "doctor", PREFIX, 22500, 3, procedure=True) as made:
        yield made


def doctor(fleet, *args, **extra):
    result = fleet.play("esante.roc.doctor", *args, **extra)
    path = os.path.join(fleet.orders, "doctor", "doctor.json")
    assert os.path.exists(path), result.output[-3000:]
    with open(path, encoding="utf-8") as handle:
        result.report = json.load(handle)
    os.unlink(path)
    return result


def checks(report, host, verdict=None):
    return [c for c in report["hosts"][host]["checks"] if verdict is None or c["verdict"] == verdict]


def test_healthy_fleet_is_ok_and_nothing_changes(fleet):
    before = dict((h, fleet.run(h, SNAPSHOT).stdout) for h in (H1, H2, H3))
    result = doctor(fleet)
    assert result.returncode == 0, result.output[-3000:]
    report = result.report
    assert report["verdict"] == "ok" and report["need_attention"] == []
    for host in (H1, H2, H3):
        line = report["hosts"][host]["summary"]
        assert line.startswith(host + ": OK - 2 service(s) prêt(s) pour ROC"), line
        names = set(c["check"] for c in checks(report, host))
        assert {"certificate", "key_match", "chain", "fullchain", "keystore", "store", "configuration", "clock"} <= names
        assert fleet.run(host, SNAPSHOT).stdout == before[host]  # read-only: same files, modes, owners, contents
    # hosts 1 and 3 hold the same material of their structure
    assert [c["message"] for c in checks(report, H1) if c["check"] == "same_material"] == \
        ["même certificat sur les 2 serveurs de la structure"] * 2
    # the chain is judged against the structure's range: production anchors for host 2
    chain = [c["message"] for c in checks(report, H2) if c["check"] == "chain"]
    assert chain and all("production" in m and "lab-ACI-EL-ORG" in m for m in chain), chain
    # the lines a person reads are printed
    assert "roc-dr-2: OK" in result.stdout
    english = doctor(fleet, roc_language="en")
    assert english.report["hosts"][H2]["summary"].startswith(H2 + ": OK - 2 service(s) ready for ROC")


def test_wrong_keystore_password_is_named(fleet):
    result = doctor(fleet, "--limit", H2, roc_middleware_keystore_password="not-the-password")
    assert result.returncode == 2, result.output[-2000:]
    bad = checks(result.report, H2, "error")
    assert {c["check"] for c in bad} == {"keystore"}, bad
    assert all("le mot de passe configuré n'ouvre pas le keystore" in c["message"] for c in bad)
    assert result.report["hosts"][H2]["summary"].startswith(H2 + ": À CORRIGER - ")


def test_skewed_clock_is_named(fleet):
    # the host's own Python sees a clock 10 minutes ahead (libfaketime), as a host whose NTP stopped would
    subprocess.run(["podman", "cp", FAKETIME, "%s:/usr/local/lib/libfaketime.so.1" % H1], env=fleet.env, check=True)
    fleet.run(H1, "printf '#!/bin/sh\\nFAKETIME=+10m LD_PRELOAD=/usr/local/lib/libfaketime.so.1 exec /usr/bin/python3 \"$@\"\\n'"
                  " > /usr/local/bin/python3-skewed && chmod 755 /usr/local/bin/python3-skewed")
    assert fleet.run(H1, "python3-skewed -c 'import time; print(int(time.time()))'").returncode == 0
    skewed = os.path.join(fleet.root, "skewed.ini")
    with open(skewed, "w") as handle:  # a host variable, as an inventory gives it (the controller's tasks keep theirs)
        handle.write("%s ansible_python_interpreter=/usr/local/bin/python3-skewed\n" % H1)
    result = doctor(fleet, "-i", skewed, "--limit", H1)
    assert result.returncode == 2, result.output[-2000:]
    bad = checks(result.report, H1, "error")
    assert [c["check"] for c in bad] == ["clock"], bad
    assert "horloge décalée de +6" in bad[0]["message"] and "au-delà de 60 s" in bad[0]["message"]
    assert 590 < result.report["hosts"][H1]["clock_skew"] < 610


def test_live_handshake_to_a_lab_amc_server(fleet):
    serve(fleet, H1, 8443)
    result = doctor(fleet, "--limit", H1, roc_doctor_endpoint={"host": "127.0.0.1", "port": 8443,
                                                               "server_name": "annuaire-amc.lab.invalid"})
    assert result.returncode == 0, result.output[-3000:]
    ok = [c for c in checks(result.report, H1) if c["check"] == "handshake"]
    assert len(ok) == 1 and ok[0]["verdict"] == "ok" and "réussie avec 127.0.0.1:8443" in ok[0]["message"], ok


def serve(fleet, host, port):
    """openssl s_server on the host, demanding a client certificate of the lab IGC test range (one connection)."""
    pki = os.path.join(fleet.lab, "pki")
    fleet.run(host, "mkdir -p /opt/lab-amc")
    for src, dest in (("gie/amc-annuaire.pem", "server.pem"), ("gie/amc-annuaire.key", "server.key"),
                      ("igc/ACI-EL-ORG-TEST.pem", "ca1.pem"), ("igc/ACR-EL-TEST.pem", "ca2.pem")):
        subprocess.run(["podman", "cp", os.path.join(pki, src), "%s:/opt/lab-amc/%s" % (host, dest)],
                       env=fleet.env, check=True)
    fleet.run(host, "cat /opt/lab-amc/ca1.pem /opt/lab-amc/ca2.pem > /opt/lab-amc/client-ca.pem")
    subprocess.Popen(["podman", "exec", "-d", host, "sh", "-c",
                      "timeout 60 openssl s_server -accept 127.0.0.1:%d -www -naccept 1 -cert /opt/lab-amc/server.pem "
                      "-key /opt/lab-amc/server.key -CAfile /opt/lab-amc/client-ca.pem -Verify 2 -verify_return_error "
                      ">/tmp/s_server_%d.log 2>&1" % (port, port)], env=fleet.env).wait()
    fleet.run(host, "for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltn | grep -q :%d && exit 0; sleep 0.3; done" % port)


def test_planted_faults_are_each_named(fleet):
    base1, base3 = "/etc/roc/%s/%s" % (AUTH, AUTH), "/etc/roc/%s/%s" % (AUTH, AUTH)
    # host 1: a key that is not the certificate's (same owner and mode as the install left)
    assert fleet.run(H1, "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out /tmp/other.key && "
                         "cat /tmp/other.key > %s.key" % base1).returncode == 0
    # host 2: the GIE anchor AC-SERVEUR taken out of the middleware's bundle
    bundle = fleet.read(H2, "/etc/roc/amc-trust.pem")
    kept, skip = [], False
    for line in bundle.splitlines(True):
        if line.startswith("# esante.roc anchor: "):
            skip = line.strip().endswith("lab-AC-SERVEUR")
        if not skip:
            kept.append(line)
    assert len(kept) < len(bundle.splitlines(True))
    fleet.run(H2, "cat > /etc/roc/amc-trust.pem <<'EOF'\n%sEOF" % "".join(kept))
    # host 3: an expired certificate for its own key, from the lab test ACI
    csr = fleet.run(H3, "openssl req -new -key %s.key -subj '/C=FR/O=CHU LAB DE DIJON/OU=1210780581/CN=%s'" % (
        base3, AUTH)).stdout.encode()
    sys.path.insert(0, os.path.join(TOP, "tests", "lab"))
    import labpki
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=40)
    expired = labpki.Lab(os.path.join(fleet.lab, "pki")).sign_csr(csr, "auth_cli", days=10, start=start,
                                                                  environment="test")
    fleet.run(H3, "cat > %s.crt <<'EOF'\n%sEOF" % (base3, labpki.pem(expired).decode()))
    fleet.run(H3, "cat {b}.crt {b}.chain.pem > /tmp/full.pem && cat /tmp/full.pem > {b}.fullchain.pem".format(b=base3))
    before = dict((h, fleet.run(h, SNAPSHOT).stdout) for h in (H1, H2, H3))

    result = doctor(fleet)
    assert result.returncode == 2, result.output[-3000:]
    report = result.report
    assert sorted(report["need_attention"]) == [H1, H2, H3]
    assert report["verdict"] == "error"

    key = checks(report, H1, "error")
    assert any(c["check"] == "key_match" and c["service"] == AUTH and "ne correspond pas" in c["message"] for c in key), key
    assert H1 + ": À CORRIGER - " + AUTH + ": la clé privée ne correspond pas au certificat" in result.stdout

    gie = checks(report, H2, "error")
    assert [c["check"] for c in gie] == ["store"], gie
    assert "absente(s) de bundle (/etc/roc/amc-trust.pem) : lab-AC-SERVEUR" in gie[0]["message"]

    old = checks(report, H3, "error")
    assert any(c["check"] == "certificate" and "expir" in c["message"] and c["service"] == AUTH for c in old), old
    # the twin hosts of chu-lab-dijon no longer hold the same Annuaire certificate
    assert any(c["check"] == "same_material" and c["service"] == AUTH for c in old), old

    # the live handshake from host 3 with its expired certificate: refused, the server's reason named
    serve(fleet, H3, 8444)
    endpoint = {"host": "127.0.0.1", "port": 8444, "server_name": "annuaire-amc.lab.invalid"}
    live = doctor(fleet, "--limit", H3, roc_doctor_endpoint=endpoint)
    assert live.returncode == 2
    shake = [c for c in checks(live.report, H3, "error") if c["check"] == "handshake"]
    assert len(shake) == 1 and "expiré" in shake[0]["message"], checks(live.report, H3)

    # the doctor changed none of it
    for host in (H1, H2, H3):
        assert fleet.run(host, SNAPSHOT).stdout == before[host]

    # the procedure repairs what it owns, and the doctor says so
    repaired = fleet.play("esante.roc.site")
    assert repaired.returncode == 0, repaired.output[-3000:]
    again = doctor(fleet)
    assert again.returncode == 0, again.output[-3000:]
