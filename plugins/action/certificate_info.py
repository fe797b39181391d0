# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads the CRL files named in `crls` on the controller (PEM or DER, vault works) and hands their content to the
module; PEM text given directly passes as it is."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils.controller_files import ControllerSrcAction


class ActionModule(ControllerSrcAction):
    MODULE = "esante.roc.certificate_info"
    LIST_OPTIONS = ("crls",)
