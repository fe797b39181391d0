# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""French structure identifiers that go in the OU of an ORG certificate: type digit + identifier.

Rules (cited):
* FINESS (Fichier National des Établissements Sanitaires et Sociaux, DREES/ATIH nomenclature):
  9 characters, the first two the département code (``2A``/``2B`` for Corsica), the last one a
  check key computed with the Luhn formula (ISO/IEC 7812-1 annex B) over the whole number. For Corsica,
  the letter is replaced by ``0`` for the computation (``2A`` -> ``20``).
* SIREN (INSEE): 9 digits, Luhn over the whole number.
* SIRET (INSEE): 14 digits = SIREN + NIC, Luhn over the whole number; exception: La Poste's
  establishments (SIREN 356000000) are numbered past what Luhn allows, and INSEE accepts them when
  the sum of their digits is a multiple of 5 (so a La Poste SIRET passes with either rule).
* The type digit of the IGC-Santé ORG subject's OU (seen in the ANS test-range leaf,
  OU=300000000077081): 1 = FINESS, 3 = SIRET (2 = SIREN accepted for completeness).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.esante.roc.plugins.module_utils import igc
from ansible_collections.esante.roc.plugins.module_utils.errors import RocError

LA_POSTE_SIREN = "356000000"


def luhn_ok(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _clean(value, what):
    if value is None:
        raise RocError("%s: no value" % what)
    return re.sub(r"[\s.\-]", "", str(value)).upper()


def finess(value, what="FINESS"):
    """The normalised FINESS (9 characters), or RocError naming the reason."""
    text = _clean(value, what)
    if not re.match(r"^(\d{2}|2A|2B)\d{7}$", text):
        raise RocError("%s '%s': a FINESS is 9 characters, a département code (digits, 2A or 2B) then 7 digits"
                       % (what, value))
    if not luhn_ok(text.replace("A", "0").replace("B", "0")):
        raise RocError("%s '%s': wrong check key (Luhn)" % (what, value))
    return text


def siren(value, what="SIREN"):
    text = _clean(value, what)
    if not re.match(r"^\d{9}$", text):
        raise RocError("%s '%s': a SIREN is 9 digits" % (what, value))
    if not luhn_ok(text):
        raise RocError("%s '%s': wrong check key (Luhn)" % (what, value))
    return text


def siret(value, what="SIRET"):
    """The normalised SIRET (14 digits), or RocError naming the reason."""
    text = _clean(value, what)
    if not re.match(r"^\d{14}$", text):
        raise RocError("%s '%s': a SIRET is 14 digits (SIREN + NIC)" % (what, value))
    if luhn_ok(text):
        return text
    if text.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in text) % 5:
            raise RocError("%s '%s': wrong check key (neither Luhn nor La Poste's sum of digits multiple of 5)"
                           % (what, value))
    else:
        raise RocError("%s '%s': wrong check key (Luhn)" % (what, value))
    return text


VALIDATORS = {"finess": finess, "siren": siren, "siret": siret}


def structure_id(kind, value, what="identifier"):
    """OU value: the type digit followed by the validated identifier."""
    kind = (kind or "").lower()
    if kind not in VALIDATORS:
        raise RocError("%s: identifier type must be one of finess, siret, siren, not '%s'" % (what, kind))
    return igc.ou_value(kind, VALIDATORS[kind](value, "%s (%s)" % (what, kind.upper())))
