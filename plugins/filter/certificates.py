# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on certificate facts: days_left, expiring, fleet_report, fleet_report_html (thin wrappers over
module_utils/report.py, which uses the same facts code as the modules)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.module_utils import report
from ansible_collections.esante.roc.plugins.plugin_utils.filters import wrap


class FilterModule(object):
    def filters(self):
        return {
            "days_left": wrap(report.days_left),
            "expiring": wrap(report.expiring),
            "fleet_report": wrap(report.fleet_report),
            "fleet_report_html": wrap(report.report_html),
            "fleet_entries": wrap(report.fleet_entries),
        }
