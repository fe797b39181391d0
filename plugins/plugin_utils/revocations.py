# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The revocation record of a structure: which certificates of its services were revoked (serial, SHA-256,
validity, date, reason, hosts), kept on the controller next to the orders as
``<roc_orders_dir>/<structure>/revocations.json``.

esante.roc.revoke adds to it; the install modules (through the install role, esante.roc.site and esante.roc.renew)
refuse a certificate or bundle it names; the report shows revoked services as needing action. Plain data, no
cryptography: the controller's filters use it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError

VERSION = 1
#: what the install modules' `revoked` option takes from a record
ENTRY_KEYS = ("serial", "sha256", "date", "reason")


def _hex(value):
    return re.sub(r"[^0-9A-Fa-f]", "", value or "").upper()


def document(data):
    """A revocation document ({version, records: [...]}) from what was read (None or "" for none yet)."""
    if data in (None, "", {}):
        return {"version": VERSION, "records": []}
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise RocError("revocation record: not an esante.roc revocation document ({version, records: [...]})")
    return data


def add(data, structure, service, certificates, date, reason, hosts=None):
    """The document with the revoked certificates of a service added (one record per certificate, by SHA-256;
    a certificate already recorded keeps its first record). `certificates`: certificate facts (serial, sha256,
    not_before, not_after, subject) of what was removed from the hosts."""
    doc = document(data)
    records = list(doc["records"])
    known = set(_hex(r.get("sha256")) for r in records)
    for facts in certificates or []:
        # the service's own certificates only: the CAs of its chain and combined files are not revoked with it
        if not facts or not facts.get("sha256") or _hex(facts["sha256"]) in known or facts.get("is_ca"):
            continue
        if (facts.get("subject") or {}).get("service") not in (None, service):
            continue
        known.add(_hex(facts["sha256"]))
        records.append({
            "structure": structure, "service": service, "serial": facts.get("serial"), "sha256": facts["sha256"],
            "not_before": facts.get("not_before"), "not_after": facts.get("not_after"),
            "subject": (facts.get("subject") or {}).get("rfc4514") if isinstance(facts.get("subject"), dict)
            else facts.get("subject"),
            "date": date, "reason": reason, "hosts": sorted(hosts or []),
        })
    return {"version": VERSION, "records": records}


def entries(data, record_path=None):
    """The install modules' `revoked` option from a document: [{serial, sha256, date, reason, record}]."""
    out = []
    for item in document(data)["records"]:
        entry = dict((k, item[k]) for k in ENTRY_KEYS if item.get(k))
        if entry.get("serial") or entry.get("sha256"):
            entry["record"] = record_path or "revocations.json"
            out.append(entry)
    return out


def by_service(data):
    """{service: [records]} of a document."""
    out = {}
    for item in document(data)["records"]:
        out.setdefault(item.get("service"), []).append(item)
    return out
