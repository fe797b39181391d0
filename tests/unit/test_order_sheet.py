"""The order sheet carries the seed's texts for form 413 and the platform, verbatim."""

import glob
import os
import re

import pytest

from conftest import TOP

from ansible_collections.esante.roc.plugins.module_utils import igc_anchors

SEED_DIR = os.path.abspath(os.path.join(TOP, "..", "shared", "seed"))
TEMPLATES = [os.path.join(TOP, "roles", "preflight", "templates", "order-sheet.%s.md.j2" % lang) for lang in ("fr", "en")]


def seed_text():
    files = glob.glob(os.path.join(SEED_DIR, "*.txt"))
    if not files:
        pytest.skip("../shared/seed is not beside this checkout")
    with open(files[0], encoding="utf-8") as handle:
        return handle.read()


def test_form_413_texts_are_verbatim():
    seed = seed_text()
    quotes = re.findall(r"«\s*\*\*(Projet ROC.*?)\*\*\s*»", seed)
    assert len(quotes) == 2
    offer = re.findall(r"«\s*\*\*(Offre certificat logiciel ORG.*?)\*\*\s*»", seed)
    assert len(offer) == 1
    for path in TEMPLATES:  # French and English sheets quote the form's texts in French, as typed in the form
        with open(path, encoding="utf-8") as handle:
            template = handle.read()
        for text in quotes + offer:
            assert "« %s »" % text in template, (path, text)


def test_service_names_and_aci_address_come_from_the_seed():
    seed = seed_text()
    for name in ("Client_ROC_Annuaire_AMC", "Client_ROC_WebServices_AMC"):
        assert name in seed
    assert "http://igc-sante.esante.gouv.fr/AC/ACI-EL-ORG.cer" in seed
    # the order sheet's address (roc_preflight_aci_url) is the collection's official data
    assert igc_anchors.official("production")["aci"]["url"] == "http://igc-sante.esante.gouv.fr/AC/ACI-EL-ORG.cer"
    with open(os.path.join(TOP, "roles", "preflight", "defaults", "main.yml"), encoding="utf-8") as handle:
        assert "esante.roc.igc_official('url')).aci" in handle.read()
