# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads each anchor's src on the controller and hands all anchors to the module in one call
(ControllerSrcAction); carries the host check's bootstrap: installs python3-cryptography and runs again where the
task's prerequisites ask (CryptographyBootstrap, as esante.roc.prerequisites does)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.esante.roc.plugins.plugin_utils.bootstrap import CryptographyBootstrap
from ansible_collections.esante.roc.plugins.plugin_utils.controller_files import ControllerSrcAction


class ActionModule(CryptographyBootstrap, ControllerSrcAction):
    MODULE = "esante.roc.trust_anchor"
    LIST_OPTIONS = ("anchors",)
    BOOTSTRAP = ("prerequisites",)
