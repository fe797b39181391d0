# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on identifiers and structures (thin wrappers over module_utils/identifiers.py and
module_utils/structures.py, shared with the roles)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.esante.roc.plugins.module_utils import identifiers, structures
from ansible_collections.esante.roc.plugins.module_utils.loader import RocError


def _wrap(function):
    def filter_function(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except RocError as exc:
            raise AnsibleFilterError(str(exc))
    filter_function.__name__ = function.__name__
    return filter_function


class FilterModule(object):
    def filters(self):
        return {
            "finess": _wrap(identifiers.finess),
            "siret": _wrap(identifiers.siret),
            "structure_id": _wrap(identifiers.structure_id),
            "structure_problems": _wrap(structures.problems),
            "structure_services": _wrap(structures.services),
            "igc_subject": _wrap(structures.subject),
            "service_paths": _wrap(structures.service_paths),
        }
