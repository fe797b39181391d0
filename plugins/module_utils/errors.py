# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The error every esante.roc check raises. A module of its own, without cryptography: the controller's
filters import it in every forked worker, where importing the crypto library would cost each task."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class RocError(Exception):
    """A clear, user-facing error: what input, and why."""
