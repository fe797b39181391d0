"""What the modules wrote, judged by the host's own tools (openssl, stat), not by our parser."""

import json

import pytest

P12 = "/etc/roc/p12"
CSR = "/etc/roc/csr"
SERVICES = [(P12, "Client_ROC_Annuaire_AMC"), (P12, "Client_ROC_WebServices_AMC"), (CSR, "Client_ROC_Annuaire_AMC")]


@pytest.mark.parametrize("folder,service", SERVICES)
def test_key_file_is_private(host, folder, service):
    key = host.file("%s/%s.key" % (folder, service))
    assert key.exists and key.user == "root" and key.group == "roc" and key.mode == 0o640
    directory = host.file(folder)
    assert directory.mode == 0o750 and directory.group == "roc"


@pytest.mark.parametrize("folder,service", SERVICES)
def test_certificate_files_are_readable(host, folder, service):
    for suffix in (".crt", ".chain.pem", ".fullchain.pem"):
        assert host.file("%s/%s%s" % (folder, service, suffix)).mode == 0o644


@pytest.mark.parametrize("folder,service", SERVICES)
def test_openssl_verifies_the_chain(host, folder, service):
    base = "%s/%s" % (folder, service)
    out = host.check_output("openssl verify -CAfile %s.chain.pem %s.crt", base, base)
    assert out.endswith(": OK")


@pytest.mark.parametrize("folder,service", SERVICES)
def test_key_and_certificate_share_the_modulus(host, folder, service):
    base = "%s/%s" % (folder, service)
    cert = host.check_output("openssl x509 -noout -modulus -in %s.crt", base)
    key = host.check_output("openssl rsa -noout -modulus -in %s.key", base)
    assert cert == key and cert.startswith("Modulus=")


def test_module_claims_agree_with_openssl(host):
    claims = json.loads(host.file("/root/roc-claims.json").content_string)
    assert len(claims) == 3
    for base, match, sha256 in claims:
        assert match is True
        out = host.check_output("openssl x509 -noout -fingerprint -sha256 -in %s.crt", base)
        assert out.split("=", 1)[1] == sha256


def test_csr_subject_seen_by_openssl(host):
    out = host.check_output("openssl req -in %s/Client_ROC_Annuaire_AMC.csr -noout -subject -nameopt utf8", CSR)
    fields = out.replace(" = ", "=")
    assert "OU=1210780417" in fields and "CN=Client_ROC_Annuaire_AMC" in fields


def test_no_bundle_on_the_target(host):
    # the platform's bundles travel in memory: no copy anywhere (the truststore is ours, not a bundle)
    out = host.run("find / -xdev \\( -name '*.p12' -o -name '*.pfx' \\) -not -path /etc/roc/truststore.p12 2>/dev/null")
    assert out.stdout.strip() == ""


ANCHORS = ["lab-ACR-EL-TEST", "lab-ACI-EL-ORG-TEST", "lab-GIE-ROOT", "lab-AC-SERVEUR", "lab-AC-SERVICES-APPLICATIFS"]


def test_system_store_trusts_the_lab_leaf(host):
    for name in ANCHORS:
        assert host.file("/usr/local/share/ca-certificates/%s.crt" % name).mode == 0o644
    out = host.check_output("openssl verify %s/Client_ROC_Annuaire_AMC.crt", P12)
    assert out.endswith(": OK")
    out = host.check_output("openssl verify /etc/roc/csr/Client_ROC_Annuaire_AMC.crt")
    assert out.endswith(": OK")


def test_java_truststore_listed_by_keytool(host):
    out = host.check_output("keytool -list -keystore /etc/roc/truststore.p12 -storepass lab-only-changeit")
    for name in ANCHORS:
        assert name.lower() + "," in out
    assert out.count("trustedCertEntry") == len(ANCHORS)


def test_amc_bundle_holds_only_the_amc_side(host):
    content = host.file("/etc/roc/amc-trust.pem").content_string
    assert content.count("BEGIN CERTIFICATE") == 3
    for name in ("lab-GIE-ROOT", "lab-AC-SERVEUR", "lab-AC-SERVICES-APPLICATIFS"):
        assert name in content
    assert "ACI-EL-ORG" not in content and "ACR-EL" not in content
