"""The procedure proven for real on each host: mutual TLS with the AMC directory (lab), a SAML-like
assertion signed with the web-services key and verified up to the lab ACI (xmlsec1), the Java
keystores (keytool), the middleware configuration, and the same material on every host of a structure."""

import hashlib

import pytest

CERTS = "/etc/roc"
AUTH, SIGN = "Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"
STRUCTURE_ID = {"1": "1210780581", "3": "1210780581", "2": "1210780417", "4": "1210780417"}
# chu-lab-dijon (odd hosts) is a test structure, ch-lab-beaune (even hosts) a production one (lab imitations)
ENVIRONMENT = {"1": "test", "3": "test", "2": "production", "4": "production"}
SERVER = ("timeout 15 openssl s_server -accept 127.0.0.1:{port} -www -naccept 1 -cert /opt/lab-amc/server.pem "
          "-key /opt/lab-amc/server.key -CAfile /tmp/client-ca.pem -Verify 2 -verify_return_error "
          ">/tmp/s_server_{port}.log 2>&1 &")
CLIENT = ("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 15 openssl s_client -connect 127.0.0.1:{port} "
          "-CAfile {ca} -verify_return_error -ign_eof {client}")


def handshake(host, port, client, ca=CERTS + "/amc-trust.pem"):
    host.run("cat /opt/lab-amc/client-ca-*.pem > /tmp/client-ca.pem")
    host.run("sh -c '%s'" % SERVER.format(port=port).replace("'", "'\\''"))
    host.run("sleep 1")
    return host.run(CLIENT.format(port=port, ca=ca, client=client))


def number(host):
    return host.backend.get_hostname()[-1]


def test_mutual_tls_with_the_deployed_client_certificate(host):
    base = "%s/%s/%s" % (CERTS, AUTH, AUTH)
    result = handshake(host, 8443, "-cert %s.crt -key %s.key" % (base, base))
    assert result.rc == 0, result.stdout + result.stderr
    assert "Verify return code: 0 (ok)" in result.stdout  # the AMC side is trusted through amc-trust.pem
    assert "Client certificate" in result.stdout            # the server saw and accepted ours


def test_mutual_tls_refused_without_client_certificate(host):
    result = handshake(host, 8444, "")
    assert result.rc != 0
    assert "certificate required" in result.stdout + result.stderr


def test_mutual_tls_refused_with_a_foreign_client_certificate(host):
    host.run("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=Client_ROC_Annuaire_AMC -keyout /tmp/intruder.key "
             "-out /tmp/intruder.crt -days 1")
    result = handshake(host, 8445, "-cert /tmp/intruder.crt -key /tmp/intruder.key")
    assert result.rc != 0
    assert "Client certificate" not in result.stdout


FILES = __import__("os").path.join(__import__("os").path.dirname(__import__("os").path.dirname(__file__)), "files")
AMC_SERVER = ("timeout 60 openssl s_server -accept 127.0.0.1:{port} -www -naccept 1 -cert /opt/lab-amc/server.pem "
              "-key /opt/lab-amc/server.key -CAfile /tmp/client-ca.pem -Verify 2 -verify_return_error "
              ">/tmp/s_server_{port}.log 2>&1 &")


def amc_server(host, port):
    """The lab AMC directory stand-in: it demands a client certificate of the lab IGC ranges (one connection)."""
    host.run("cat /opt/lab-amc/client-ca-*.pem > /tmp/client-ca.pem")
    host.run("sh -c '%s'" % AMC_SERVER.format(port=port).replace("'", "'\\''"))
    host.run("for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltn | grep -q :%d && exit 0; sleep 0.3; done" % port)


def put(host, name):
    with open(__import__("os").path.join(FILES, name), encoding="utf-8") as handle:
        host.run("cat > /tmp/%s <<'ROC_EOF'\n%sROC_EOF" % (name, handle.read()))


def test_java_client_mutual_tls_with_the_configured_keystore_and_truststore(host):
    """JDK HttpClient, javax.net.ssl keystore and truststore loaded as the middleware configuration names them."""
    put(host, "RocClient.java")
    amc_server(host, 8447)
    result = host.run("cd /tmp && timeout 120 java -Djava.net.preferIPv4Stack=true RocClient.java "
                      "/etc/roc/middleware/roc.properties lab-only-keystore lab-only-changeit https://localhost:8447/")
    assert result.rc == 0, result.stdout + result.stderr
    assert "status 200" in result.stdout and "client certificate seen" in result.stdout, result.stdout


def test_python_client_mutual_tls_with_the_configured_pem_files(host):
    """The standard ssl module with the PEM files of the middleware configuration."""
    put(host, "roc_client.py")
    amc_server(host, 8448)
    result = host.run("timeout 60 python3 /tmp/roc_client.py /etc/roc/middleware/roc.properties localhost 8448")
    assert result.rc == 0, result.stdout + result.stderr
    assert "client certificate seen" in result.stdout, result.stdout


def test_server_refused_when_the_amc_side_is_not_trusted(host):
    base = "%s/%s/%s" % (CERTS, AUTH, AUTH)
    result = handshake(host, 8446, "-cert %s.crt -key %s.key" % (base, base), ca="%s.chain.pem" % base)
    assert result.rc != 0


TEMPLATE = (
    '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Version="2.0" '
    'IssueInstant="2026-11-28T12:00:00Z"><saml:Issuer>{issuer}</saml:Issuer><saml:Subject><saml:NameID>'
    'Client_ROC_WebServices_AMC</saml:NameID></saml:Subject><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
    '<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="">'
    '<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>'
    '</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>'
    '</ds:Signature></saml:Assertion>')


def test_saml_like_assertion_signed_and_verified_to_the_lab_aci(host):
    base = "%s/%s/%s" % (CERTS, SIGN, SIGN)
    issuer = STRUCTURE_ID[number(host)]
    host.run("cat > /tmp/assertion-tmpl.xml <<'EOF'\n%s\nEOF" % TEMPLATE.format(issuer=issuer))
    sign = host.run("xmlsec1 --sign --privkey-pem %s.key,%s.crt --output /tmp/assertion.xml /tmp/assertion-tmpl.xml",
                    base, base)
    assert sign.rc == 0, sign.stderr
    host.run("cd /tmp && rm -f chain0* && csplit -s -z -f chain0 %s.chain.pem '/-----BEGIN CERTIFICATE-----/' '{*}'",
             base)
    # the chain file is the intermediate then the root: trust only the root, the ACI completes the path
    verify = host.run("xmlsec1 --verify --trusted-pem /tmp/chain001 --untrusted-pem /tmp/chain000 /tmp/assertion.xml")
    assert verify.rc == 0, verify.stderr
    host.run("sed -i 's/%s/0000000000/' /tmp/assertion.xml" % issuer)
    tampered = host.run("xmlsec1 --verify --trusted-pem /tmp/chain001 --untrusted-pem /tmp/chain000 /tmp/assertion.xml")
    assert tampered.rc != 0


@pytest.mark.parametrize("service", [AUTH, SIGN])
def test_java_keystore_has_the_service_alias(host, service):
    out = host.check_output("keytool -list -keystore %s/%s/%s.p12 -storepass lab-only-keystore", CERTS, service, service)
    assert "%s, " % service.lower() in out and "PrivateKeyEntry" in out


def test_middleware_configuration_names_the_stable_paths(host):
    config = host.file(CERTS + "/middleware/roc.properties")
    assert config.mode == 0o640 and config.group == "roc"
    text = config.content_string
    for service in (AUTH, SIGN):
        assert "roc.%s.privatekey=%s/%s/%s.key" % (service, CERTS, service, service) in text
        assert "roc.%s.keystore.alias=%s" % (service, service) in text
    assert "roc.truststore.pem=/etc/roc/amc-trust.pem" in text


@pytest.mark.parametrize("service", [AUTH, SIGN])
def test_subject_and_key_match(host, service):
    base = "%s/%s/%s" % (CERTS, service, service)
    subject = host.check_output("openssl x509 -in %s.crt -noout -subject -nameopt utf8", base).replace(" = ", "=")
    assert "OU=%s" % STRUCTURE_ID[number(host)] in subject and "CN=%s" % service in subject
    assert host.check_output("openssl x509 -noout -modulus -in %s.crt", base) == host.check_output(
        "openssl rsa -noout -modulus -in %s.key", base)
    assert host.file(base + ".key").mode == 0o640 and host.file(base + ".key").group == "roc"


def test_same_material_on_every_host_of_the_structure(host):
    import testinfra
    peer_name = {"1": "roc-proc-3", "3": "roc-proc-1", "2": "roc-proc-4", "4": "roc-proc-2"}[number(host)]
    peer = testinfra.get_host("podman://" + peer_name)
    for service in (AUTH, SIGN):
        for suffix in (".key", ".crt"):
            path = "%s/%s/%s%s" % (CERTS, service, service, suffix)
            mine = hashlib.sha256(host.file(path).content).hexdigest() if suffix == ".crt" else None
            if suffix == ".key":
                mine = host.check_output("openssl rsa -in %s -noout -modulus", path)
                theirs = peer.check_output("openssl rsa -in %s -noout -modulus", path)
            else:
                theirs = hashlib.sha256(peer.file(path).content).hexdigest()
            assert mine == theirs, path


def test_each_host_trusts_its_structure_s_range_only(host):
    """A fleet mixing test and production structures: each host's system store holds its own structure's IGC-Santé
    anchors (the lab's own CA files, through roc_ca_files), never the other range's; its chain is that range's."""
    env = ENVIRONMENT[number(host)]
    store = "/usr/local/share/ca-certificates"
    mine, other = ("lab-ACI-EL-ORG-TEST", "lab-ACI-EL-ORG") if env == "test" else ("lab-ACI-EL-ORG", "lab-ACI-EL-ORG-TEST")
    assert host.file("%s/%s.crt" % (store, mine)).exists
    assert not host.file("%s/%s.crt" % (store, other)).exists
    for service in (AUTH, SIGN):
        chain = host.check_output("openssl crl2pkcs7 -nocrl -certfile %s/%s/%s.chain.pem | openssl pkcs7 -print_certs "
                                  "-noout", CERTS, service, service)
        assert ("IGC-SANTE TEST" in chain) == (env == "test"), chain
        assert "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" in chain and "AC RACINE IGC-SANTE ELEMENTAIRE" in chain
        # openssl judges: the deployed certificate verifies against the system store's anchors of its range
        verify = host.run("openssl verify -CAfile %s/%s.crt -partial_chain %s/%s/%s.crt", store, mine, CERTS, service,
                          service)
        assert verify.rc == 0 and verify.stdout.strip().endswith("OK"), verify.stdout + verify.stderr
