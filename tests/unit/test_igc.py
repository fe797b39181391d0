"""The IGC-Santé profile (module_utils/igc.py): the subject DN of an ORG certificate, built in one place
(igc.subject_fields, igc.ou_value, igc.subject_attributes; loader_certificates.x509_name encodes it) from the
inventory's structure (plugin_utils/structures.py validates its identifier), judged by the openssl CLI."""

import pytest

from ansible_collections.esante.roc.plugins.module_utils import igc
from ansible_collections.esante.roc.plugins.plugin_utils import structures
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError
from ansible_collections.esante.roc.plugins.module_utils.loader_certificates import x509_name
from conftest import openssl

cryptography = pytest.importorskip("cryptography")
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

STRUCTURE = {"organization": "CHU LAB DE DIJON", "state_province": "Côte-d'Or (21)", "identifier_type": "finess",
             "identifier": "210780581"}


def _csr_subject(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    pem = csr.public_bytes(serialization.Encoding.PEM)
    return openssl("req", "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb", data=pem).decode("utf-8").strip()


def test_subject_of_a_structure_is_the_igc_order():
    fields = structures.subject(STRUCTURE, "chu-lab-dijon")
    assert fields == {"country": "FR", "state_province": "Côte-d'Or (21)", "organization": "CHU LAB DE DIJON",
                      "structure_id": "1210780581"}
    name = x509_name(igc.subject_attributes(dict(fields, service=igc.SERVICE_ANNUAIRE)))
    # RFC 2253 prints the last RDN first: the DN is C, ST, O, OU, CN in the request, as the seed's form 413 shows
    assert _csr_subject(name) == ("subject=CN=Client_ROC_Annuaire_AMC,OU=1210780581,O=CHU LAB DE DIJON,"
                                  "ST=Côte-d'Or (21),C=FR")


def test_subject_without_state_and_with_siret():
    fields = structures.subject({"organization": "CLINIQUE LAB", "identifier_type": "siret",
                                 "identifier": "35600000000048"}, "clinique")
    assert fields["structure_id"] == "335600000000048" and fields["state_province"] is None
    name = x509_name(igc.subject_attributes(dict(fields, service=igc.SERVICE_WEBSERVICES)))
    assert _csr_subject(name) == "subject=CN=Client_ROC_WebServices_AMC,OU=335600000000048,O=CLINIQUE LAB,C=FR"


@pytest.mark.parametrize("change, message", [
    ({"country": "FRA"}, "country: 'FRA' is not a two-letter"),
    ({"structure_id": "1 210780581"}, "structure_id: '1 210780581' must be the identifier type digit"),
    ({"organization": "O" * 65}, "organization: 'OOOO"),
    ({"organization": " "}, "organization: must not be empty"),
    ({"service": ""}, "service: must not be empty"),
])
def test_subject_name_refuses_what_a_certificate_cannot_hold(change, message):
    params = dict(structures.subject(STRUCTURE), service=igc.SERVICE_ANNUAIRE)
    params.update(change)
    with pytest.raises(RocError, match=message.replace("(", r"\(")):
        igc.subject_attributes(params)


def test_subject_fields_names_the_bad_identifier():
    with pytest.raises(RocError, match="roc_structures.bad.identifier"):
        structures.subject(dict(STRUCTURE, identifier="210780582"), "bad")


def test_ou_value_is_the_type_digit_then_the_identifier():
    assert [igc.ou_value(k, "123") for k in ("finess", "siren", "siret")] == ["1123", "2123", "3123"]
