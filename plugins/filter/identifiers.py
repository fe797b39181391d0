# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on identifiers, structures and the steps' shared files (thin wrappers over the controller's inventory
model, plugin_utils/identifiers.py, structures.py, stores.py and revocations.py, used by the roles)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils import identifiers, revocations, stores, structures
from ansible_collections.esante.roc.plugins.plugin_utils.filters import wrap


class FilterModule(object):
    def filters(self):
        return {
            "finess": wrap(identifiers.finess),
            "siret": wrap(identifiers.siret),
            "structure_id": wrap(identifiers.structure_id),
            "structure_problems": wrap(structures.problems),
            "structure_services": wrap(structures.services),
            "ready_services": wrap(structures.ready_services),
            "igc_subject": wrap(structures.subject),
            "service_paths": wrap(structures.service_paths),
            "middleware_paths": wrap(structures.middleware_paths),
            "service_items": wrap(structures.service_items),
            "certificate_targets": wrap(structures.certificate_targets),
            "key_hosts": wrap(structures.key_hosts),
            "key_host": wrap(structures.key_host),
            "structure_environment": wrap(structures.environment),
            "igc_anchors": wrap(structures.igc_anchors),
            "igc_chain": wrap(structures.igc_chain),
            "igc_official": wrap(structures.igc_official),
            "trust_stores": wrap(stores.trust_stores),
            "middleware_config_path": wrap(stores.middleware_config_path),
            "revoked_entries": wrap(revocations.entries),
            "revocation_add": wrap(revocations.add),
        }
