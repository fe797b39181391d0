"""FINESS / SIRET / SIREN validation shared by the filters, the preflight role and the modules."""

import pytest

from ansible_collections.esante.roc.plugins.plugin_utils import identifiers
from ansible_collections.esante.roc.plugins.module_utils.loader import RocError

try:
    from hypothesis import given, strategies as st
except ImportError:  # the oldest-cryptography venv has no hypothesis
    given = None


@pytest.mark.parametrize("value,normal", [
    ("210780581", "210780581"), ("21 078 058 1", "210780581"), ("210780417", "210780417"),
    ("2A0000008", "2A0000008"), ("2B 000 000 8", "2B0000008"),
])
def test_finess_valid(value, normal):
    assert identifiers.finess(value) == normal


@pytest.mark.parametrize("value,reason", [
    ("210780582", "wrong check key"), ("2A0000006", "wrong check key"), ("21078058", "9 characters"),
    ("2C0000001", "9 characters"),
    ("ABCDEFGHI", "9 characters"), ("", "9 characters"),
])
def test_finess_refused(value, reason):
    with pytest.raises(RocError, match=reason):
        identifiers.finess(value, "roc_structures.chu.identifier")


def test_siret_rules():
    assert identifiers.siret("732 829 320 00074") == "73282932000074"
    assert identifiers.siret("00000000077081") == "00000000077081"  # the ANS test leaf's OU, minus its 3
    assert identifiers.siret("35600000000048") == "35600000000048"  # La Poste head office: Luhn holds
    assert identifiers.siret("35600000049837") == "35600000049837"  # La Poste: sum 45, not Luhn
    with pytest.raises(RocError, match="wrong check key"):
        identifiers.siret("73282932000075")
    with pytest.raises(RocError, match="sum of digits"):
        identifiers.siret("35600000049838")
    with pytest.raises(RocError, match="14 digits"):
        identifiers.siret("7328293200007")


def test_structure_id_type_digit():
    assert identifiers.structure_id("finess", "210780581") == "1210780581"
    assert identifiers.structure_id("SIRET", "00000000077081") == "300000000077081"
    with pytest.raises(RocError, match="identifier type"):
        identifiers.structure_id("rpps", "123")


if given is not None:
    @given(st.text(max_size=20))
    def test_validators_only_raise_roc_error(text):
        for validator in (identifiers.finess, identifiers.siret, identifiers.siren):
            try:
                validator(text)
            except RocError:
                pass

    @given(st.from_regex(r"\A\d{8}\Z"))
    def test_exactly_one_finess_key_per_body(body):
        keys = [k for k in "0123456789" if identifiers.luhn_ok(body + k)]
        assert len(keys) == 1
        assert identifiers.finess(body + keys[0]) == body + keys[0]
