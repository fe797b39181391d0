# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DER framing in plain Python (no cryptography): the header of a DER/BER element. The loader walks PKCS#7 with
it; the writer tells key material by content with it, and so imports no cryptography (the config_files action
plugin runs the writer on the controller, in a forked worker)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def der_header(data, pos=0):
    """(tag, start of content, content length) of the DER/BER element at pos, or None when its
    header cannot be read (definite lengths up to 4 bytes). The content may run past the data."""
    if pos + 2 > len(data):
        return None
    tag, first = data[pos], data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, first
    count = first & 0x7F
    if count == 0 or count > 4 or pos + 2 + count > len(data):
        return None
    return tag, pos + 2 + count, int.from_bytes(data[pos + 2:pos + 2 + count], "big")
