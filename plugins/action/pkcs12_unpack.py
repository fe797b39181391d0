# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads the bundle and the anchors of `chain` on the controller (vault works) and hands them to the module in
memory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils.controller_files import ControllerSrcAction


class ActionModule(ControllerSrcAction):
    MODULE = "esante.roc.pkcs12_unpack"
    LIST_OPTIONS = ("chain",)
