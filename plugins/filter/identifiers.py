# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on identifiers, structures and the steps' shared files (thin wrappers over the controller's inventory
model, plugin_utils/identifiers.py, structures.py, stores.py and revocations.py, used by the roles), each
imported on its first call (plugin_utils/filters.py says why)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils.filters import lazy


class FilterModule(object):
    def filters(self):
        return {
            "finess": lazy("identifiers", "finess"),
            "siret": lazy("identifiers", "siret"),
            "structure_id": lazy("identifiers", "structure_id"),
            "structure_problems": lazy("structures", "problems"),
            "structure_services": lazy("structures", "services"),
            "ready_services": lazy("structures", "ready_services"),
            "igc_subject": lazy("structures", "subject"),
            "service_paths": lazy("structures", "service_paths"),
            "middleware_paths": lazy("structures", "middleware_paths"),
            "service_items": lazy("structures", "service_items"),
            "certificate_targets": lazy("structures", "certificate_targets"),
            "key_hosts": lazy("structures", "key_hosts"),
            "key_host": lazy("structures", "key_host"),
            "structure_environment": lazy("structures", "environment"),
            "igc_anchors": lazy("structures", "igc_anchors"),
            "igc_chain": lazy("structures", "igc_chain"),
            "install_plan": lazy("structures", "install_plan"),
            "igc_official": lazy("stores", "igc_official"),
            "trust_stores": lazy("stores", "trust_stores"),
            "middleware_config_path": lazy("stores", "middleware_config_path"),
            "revoked_entries": lazy("revocations", "entries"),
            "revocation_add": lazy("revocations", "add"),
        }
