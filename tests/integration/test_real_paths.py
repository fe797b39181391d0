"""What a hospital team runs over three years, on the lab fleet (two Debian containers over podman, the installed
collection, the lab inventory as documented): a test structure on the p12 path (chu-lab-dijon, host 1) and a
production structure on the csr path (ch-lab-beaune, host 2), each from its own lab imitation of an IGC-Santé range.
Each playbook runs alone, as a user runs it; results are judged with openssl on the hosts and in the files.

The steps run in order on one fleet (made fresh for this file, with its own lab PKI and order folder)."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import TOP
from labfleet import AUTH, LAB_INVENTORY, SIGN, changed, lab_fleet

PREFIX = "roc-rp"
H1, H2 = PREFIX + "-1", PREFIX + "-2"  # host 1: chu-lab-dijon (test, p12); host 2: ch-lab-beaune (production, csr)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with lab_fleet(tmp_path_factory, "real-paths", PREFIX, 22400, 2) as made:
        yield made


def sheet(fleet, structure):
    with open(os.path.join(fleet.orders, structure, "order-sheet.md"), encoding="utf-8") as handle:
        return handle.read()


def verify_on_host(fleet, host, service, environment):
    """openssl on the host: the certificate verifies against the lab root of its range, with the chain file only as
    untrusted intermediates (so the chain must hold the ACI), and the chain holds the ACI then the ACR."""
    pki = fleet.manifest()["igc_ranges"][environment]
    subprocess.run(["podman", "cp", pki["acr"], "%s:/tmp/root-%s.pem" % (host, environment)], env=fleet.env, check=True)
    base = "/etc/roc/%s/%s" % (service, service)
    proc = fleet.run(host, "openssl verify -CAfile /tmp/root-{e}.pem -untrusted {b}.chain.pem {b}.crt".format(
        e=environment, b=base))
    assert proc.returncode == 0 and proc.stdout.strip().endswith("OK"), proc.stdout + proc.stderr
    listed = fleet.run(host, "openssl crl2pkcs7 -nocrl -certfile %s.chain.pem | openssl pkcs7 -print_certs -noout" % base)
    subjects = [line for line in listed.stdout.splitlines() if line.startswith("subject=")]
    prefix = "TEST " if environment == "test" else ""
    assert len(subjects) == 2, listed.stdout
    subjects = [s.replace(" = ", "=") for s in subjects]  # openssl 1.1 and 3 print names differently
    assert subjects[0].endswith("CN=%sAC IGC-SANTE ELEMENTAIRE ORGANISATIONS" % prefix), subjects
    assert subjects[1].endswith("CN=%sAC RACINE IGC-SANTE ELEMENTAIRE" % prefix), subjects
    full = fleet.run(host, "grep -c 'BEGIN CERTIFICATE' %s.fullchain.pem" % base).stdout.strip()
    assert full == "2"  # the leaf and the ACI


# ----------------------------------------------------------------------------- 8. the order sheets
def test_order_sheets_carry_the_seed_steps_numbered_as_the_seed(fleet):
    result = fleet.play("esante.roc.order")
    assert result.returncode == 0, result.output[-3000:]
    text = sheet(fleet, "ch-lab-beaune")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert [h for h in headings if h.startswith("## ")][:3] == [
        "## 1. Prérequis à la commande des certificats logiciels",
        "## 2. Demande d'habilitation à la commande des certificats logiciels",
        "## 3. Commande et installation des certificats logiciels"]
    assert len([h for h in headings if "Etape 4" in h or "Étape 4" in h]) == 1
    section2 = text.split("## 2.")[1].split("## 3.")[0]
    assert "(Etape 4.1)" in section2 and "(Etape 4.2)" in section2  # the form's fields, where the seed puts them
    for fragment in ("(ou CPS responsable)", "**éditeur** peut être nommé administrateur technique",
                     "vérifier sur la Plateforme IGC-Santé si l'administrateur technique est déjà habilité",
                     "https://pfc-auth.eservices.esante.gouv.fr", "lecteur de carte à puce",
                     "http://integrateurs-cps.asipsante.fr/", "ASIP_IGC-Sante_Guide-IHM",
                     "ASIP-PUSC-PSCE_generation-de-csr", "editeurs@asipsante.fr", "« Vos démarches »",
                     "il est préconisé de signer à l'EJ", "plusieurs EG",
                     "%s/ch-lab-beaune/%s.csr" % (fleet.orders, AUTH), "gamme de production"):
        assert fragment in text, fragment
    assert "gamme de TEST" in sheet(fleet, "chu-lab-dijon")
    english = fleet.play("esante.roc.order", roc_language="en")
    assert english.returncode == 0, english.output[-2000:]
    assert "## 1. Prerequisites of the order" in sheet(fleet, "ch-lab-beaune")
    again = fleet.play("esante.roc.order")
    assert again.returncode == 0 and "## 1. Prérequis" in sheet(fleet, "ch-lab-beaune")


# ----------------------------------------------------------------------------- 4. GIE anchors required
def test_preflight_needs_the_gie_anchors_with_pins(fleet):
    missing = fleet.play("esante.roc.order", roc_trust_gie_anchors=[])
    assert missing.returncode != 0
    assert "%s (structure ch-lab-beaune, production): roc_trust_gie_anchors is empty" % H2 in missing.output
    # a test structure alone: a warning, the run goes on
    test_only = fleet.play("esante.roc.order", "--limit", H1, roc_trust_gie_anchors=[])
    assert test_only.returncode == 0, test_only.output[-2000:]
    assert "WARNING (test structures only" in test_only.output and H1 in test_only.output
    unpinned = fleet.play("esante.roc.order", roc_trust_gie_anchors=[
        {"name": "lab-AC-SERVEUR", "src": os.path.join(fleet.lab, "pki", "gie", "AC-SERVEUR.pem")}])
    assert unpinned.returncode != 0 and "has no sha256 pin for lab-AC-SERVEUR" in unpinned.output


# ----------------------------------------------------------------------------- 2. the ACI always in the chain
def test_install_alone_after_the_order_writes_the_aci_in_the_chain(fleet):
    signed = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                             "-i", "localhost,", "-c", "local", os.path.join(TOP, "tests", "lab", "platform.yml")],
                            capture_output=True, text=True, env=fleet.env, check=False)
    assert signed.returncode == 0 and "signed" in signed.stdout, signed.stdout + signed.stderr
    # the install role alone: no trust role ran before it; the lab inventory gives its own CAs per environment
    # (roc_ca_files), as a real one would take the official certificates that travel with the collection
    result = fleet.play("esante.roc.install")
    assert result.returncode == 0, result.output[-3000:]
    for service in (AUTH, SIGN):
        verify_on_host(fleet, H1, service, "test")        # p12 path, test range
        verify_on_host(fleet, H2, service, "production")  # csr path, production range
    again = fleet.play("esante.roc.install")
    assert again.returncode == 0 and changed(again) == 0, again.stdout[-2000:]


# ----------------------------------------------------------------------------- 3. test and production apart
def test_a_certificate_of_the_other_range_is_refused(fleet):
    folder = os.path.join(fleet.orders, "ch-lab-beaune")
    good = os.path.join(folder, AUTH + ".crt")
    shutil.copy(good, good + ".good")
    before = fleet.read(H2, "/etc/roc/%s/%s.crt" % (AUTH, AUTH))
    try:
        fleet.labpki("sign-csr", "--pki", os.path.join(fleet.lab, "pki"), "--csr", os.path.join(folder, AUTH + ".csr"),
                     "--usage", "auth_cli", "--environment", "test", "--out", good)
        result = fleet.play("esante.roc.install", "--limit", H2)
        assert result.returncode != 0
        assert "test range" in result.output and "production" in result.output, result.output[-2000:]
        assert fleet.read(H2, "/etc/roc/%s/%s.crt" % (AUTH, AUTH)) == before  # nothing changed on the host
    finally:
        shutil.move(good + ".good", good)
    # the reverse: a production-range bundle for the test structure
    bundle = fleet.manifest()["structures"]["ch-lab-beaune"]["p12"]["auth_cli"]
    structures = json.loads(subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", fleet.inventory, "-i", LAB_INVENTORY,
         "--host", H1], capture_output=True, text=True, env=fleet.env, check=True).stdout)["roc_structures"]
    structures["chu-lab-dijon"]["services"][AUTH]["p12_src"] = bundle
    reverse = fleet.play("esante.roc.install", "--limit", H1, roc_structures=structures)
    assert reverse.returncode != 0 and "production range" in reverse.output and "test" in reverse.output


def test_trust_alone_gives_each_host_its_structure_s_anchors(fleet):
    result = fleet.play("esante.roc.trust")
    assert result.returncode == 0, result.output[-3000:]
    store = "/usr/local/share/ca-certificates"
    listing = dict((h, fleet.run(h, "ls %s" % store).stdout.split()) for h in (H1, H2))
    assert "lab-ACI-EL-ORG-TEST.crt" in listing[H1] and "lab-ACI-EL-ORG.crt" not in listing[H1], listing
    assert "lab-ACI-EL-ORG.crt" in listing[H2] and "lab-ACI-EL-ORG-TEST.crt" not in listing[H2], listing
    # the system bundle the update command made trusts the host's own range
    proc = fleet.run(H2, "openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt -untrusted "
                         "/etc/roc/{s}/{s}.chain.pem /etc/roc/{s}/{s}.crt".format(s=AUTH))
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ----------------------------------------------------------------------------- the whole procedure, twice
def test_site_then_nothing_to_change_and_the_configuration_names_only_written_files(fleet):
    result = fleet.play("esante.roc.site")
    assert result.returncode == 0, result.output[-3000:]
    again = fleet.play("esante.roc.site")
    assert again.returncode == 0 and changed(again) == 0, again.stdout[-2000:]
    for host in (H1, H2):
        config = fleet.read(host, "/etc/roc/middleware/roc.properties")
        paths = [line.split("=", 1)[1] for line in config.splitlines() if "=" in line and line.split("=", 1)[1].startswith("/")]
        assert "/etc/roc/amc-trust.pem" in paths and len(paths) > 10
        for path in paths:
            assert fleet.run(host, "test -f %s" % path).returncode == 0, (host, path)
    # without the application bundle and the Java truststore, the configuration does not name them
    bare = fleet.play("esante.roc.middleware", roc_trust_bundle=False, roc_trust_java=False)
    assert bare.returncode == 0, bare.output[-2000:]
    config = fleet.read(H1, "/etc/roc/middleware/roc.properties")
    assert "amc-trust.pem" not in config and "truststore" not in config
    restored = fleet.play("esante.roc.middleware")
    assert restored.returncode == 0


# ----------------------------------------------------------------------------- 6. the renewal sheet
def test_renew_sheet_names_the_renewal_files_and_the_live_certificate(fleet):
    live = fleet.run(H2, "openssl x509 -in /etc/roc/%s/%s.crt -noout -serial -enddate" % (AUTH, AUTH)).stdout
    serial = re.search(r"serial=([0-9A-F]+)", live).group(1).lstrip("0")
    result = fleet.play("esante.roc.renew", "--limit", H2, roc_renew_force=True)
    assert result.returncode == 0, result.output[-3000:]
    text = sheet(fleet, "ch-lab-beaune")
    assert text.startswith("# Fiche de renouvellement ROC")
    for service in (AUTH, SIGN):
        assert "%s/ch-lab-beaune/%s.renew.csr" % (fleet.orders, service) in text
        assert "%s/ch-lab-beaune/%s.renew.crt" % (fleet.orders, service) in text
        assert "`%s/ch-lab-beaune/%s.csr`" % (fleet.orders, service) not in text
    assert serial in text.replace(":", "")
    assert os.path.exists(os.path.join(fleet.orders, "ch-lab-beaune", AUTH + ".renew.csr"))


# ----------------------------------------------------------------------------- 7. filters on fleet data
def test_expiring_over_inventory_and_registered_data(fleet, tmp_path):
    playbook = tmp_path / "expiring.yml"
    playbook.write_text("""
- hosts: all
  gather_facts: false
  tasks:
    - esante.roc.certificate_info:
        certificates: "{{ roc_structures[roc_structure] | esante.roc.certificate_targets }}"
      register: info
    - ansible.builtin.set_fact:
        soon: "{{ info.certificates | esante.roc.expiring(5000) | map(attribute='name') | list }}"
        nothing: "{{ info.certificates | esante.roc.expiring(-1) | list }}"
    - ansible.builtin.assert:
        that:
          - soon | length == 2
          - nothing == []
""")
    result = fleet.play(str(playbook))
    assert result.returncode == 0, result.output[-2000:]


# ----------------------------------------------------------------------------- 5. a revocation sticks
def test_revoke_then_site_refuses_and_the_report_says_so(fleet):
    facts = fleet.run(H1, "openssl x509 -in /etc/roc/{s}/{s}.crt -noout -serial -fingerprint -sha256".format(s=AUTH)).stdout
    serial = re.search(r"serial=([0-9A-F]+)", facts).group(1).lstrip("0")
    result = fleet.play("esante.roc.revoke", roc_revoke_structure="chu-lab-dijon", roc_revoke_service=AUTH)
    assert result.returncode == 0, result.output[-3000:]
    record_path = os.path.join(fleet.orders, "chu-lab-dijon", "revocations.json")
    with open(record_path) as handle:
        record = json.load(handle)["records"]
    assert [r["service"] for r in record] == [AUTH] and record[0]["serial"].lstrip("0") == serial
    checklist = open(os.path.join(fleet.orders, "chu-lab-dijon", "revocation-%s.md" % AUTH), encoding="utf-8").read()
    assert record[0]["serial"] in checklist and record[0]["sha256"] in checklist and record[0]["not_after"] in checklist
    # the bundle is still in the inventory (p12_src unchanged): site refuses to put it back, naming the record
    site = fleet.play("esante.roc.site")
    assert site.returncode != 0
    assert "revoked" in site.output and record_path in site.output, site.output[-3000:]
    assert fleet.run(H1, "test -e /etc/roc/%s/%s.key" % (AUTH, AUTH)).returncode != 0
    report = fleet.play("esante.roc.report")
    assert report.returncode != 0
    with open(os.path.join(fleet.orders, "report", "report.json")) as handle:
        rows = json.load(handle)["rows"]
    revoked = [r for r in rows if r["host"] == H1 and r["service"] == AUTH][0]
    assert revoked["revocation"]["source"] == "record" and "commander un nouveau certificat" in revoked["action"]


def test_the_report_sees_a_revocation_in_the_lab_crl(fleet):
    cert = os.path.join(fleet.root, "ws.pem")
    with open(cert, "w") as handle:
        handle.write(fleet.read(H2, "/etc/roc/%s/%s.crt" % (SIGN, SIGN)))
    crl = fleet.labpki("revoke", "--pki", os.path.join(fleet.lab, "pki"), "--cert", cert)
    report = fleet.play("esante.roc.report", "--limit", H2, roc_report_crl_files=[crl])
    assert report.returncode != 0
    with open(os.path.join(fleet.orders, "report", "report.json")) as handle:
        rows = json.load(handle)["rows"]
    row = [r for r in rows if r["service"] == SIGN][0]
    assert row["revoked"] and row["revocation"]["source"] == "crl", row
    other = [r for r in rows if r["service"] == AUTH][0]
    assert not other["revoked"]
