# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expiry over a fleet: days left, what expires within N days (jmespath), the fleet report (rows sorted by
days left, consistency of the hosts of a structure, status for cron/CI) and its self-contained HTML page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import html

from ansible_collections.esante.roc.plugins.module_utils.errors import RocError

UTC = datetime.timezone.utc
ISO = "%Y-%m-%dT%H:%M:%SZ"


def utcnow():
    return datetime.datetime.now(UTC)


def _days_left(not_after, now=None):
    """Whole days until not_after (negative once expired), as facts.days_left counts them on the hosts."""
    return int((not_after - (now or utcnow())).total_seconds() // 86400)


def parse_iso(text):
    return datetime.datetime.strptime(text, ISO).replace(tzinfo=UTC)


def days_left(value, now=None):
    """Days left of certificate facts (a dict with not_after) or of a PEM/base64 certificate."""
    if isinstance(value, dict):
        if value.get("not_after"):
            return _days_left(parse_iso(value["not_after"]), now)
        raise RocError("days_left: the facts have no not_after (certificate absent or unreadable?)")
    # a certificate itself: only then is cryptography needed (the filter files import none, see filter/certificates.py)
    from ansible_collections.esante.roc.plugins.module_utils import loader_certificates
    cert = loader_certificates.load_certificate(loader_certificates.content_to_bytes(value, "days_left input"),
                                                "days_left input")
    return _days_left(loader_certificates.not_valid_after(cert), now)


def expiring(facts_list, days=30):
    """The facts whose days_left <= days (present certificates only), soonest first (a jmespath query)."""
    import jmespath  # controller-only dependency (requirements.txt)
    query = "sort_by([?days_left != null && days_left <= `%d`], &days_left)" % int(days)
    return jmespath.search(query, list(facts_list or [])) or []


TEXTS = {
    "fr": {
        "summary": "rapport esante.roc %s : %d certificats sur %d serveurs, %d à %d jours ou moins, %d critiques "
                   "(<= %d jours, absents, illisibles, révoqués, clé différente ou différents entre les serveurs d'une "
                   "structure)",
        "status": {"ok": "OK", "warning": "ATTENTION", "critical": "CRITIQUE"},
        "title": "Certificats ROC du parc", "page": "rapport des certificats esante.roc",
        "meta": "Produit le %s &middot; alerte à %d jours, critique à %d jours &middot; %d structures",
        "columns": ("Jours restants", "Structure", "Serveur", "Service", "Gamme de l'émetteur", "Fin de validité",
                    "Identique sur tous les serveurs", "Clé", "SHA-256", "À faire"),
        "absent": "absent", "unreadable": "illisible", "revoked": "révoqué", "yes": "oui", "no": "<b>NON</b>",
        "matches": "correspond", "mismatch": "<b>DIFFÉRENTE</b>", "timeline": "Échéances", "today": "aujourd'hui",
        "no_timeline": "Aucun certificat à placer sur la frise.",
        "actions": {
            "revoked_absent": "révoqué le %s (%s) : commander un nouveau certificat",
            "revoked_present": "RÉVOQUÉ le %s (%s) mais encore installé : le retirer (esante.roc.revoke)",
            "crl": "révoqué selon la CRL de %s (%s) : esante.roc.revoke puis une nouvelle commande",
            "absent": "absent : installer (esante.roc.site) ou commander",
            "error": "illisible : %s",
            "mismatch": "la clé ne correspond pas au certificat",
            "inconsistent": "différent d'un serveur à l'autre de la structure : esante.roc.site",
            "expired": "expiré : renouveler (esante.roc.renew)",
            "fail": "expire dans %d jours : renouveler (esante.roc.renew)",
            "warn": "expire dans %d jours : préparer le renouvellement",
        },
    },
    "en": {
        "summary": "esante.roc report %s: %d certificates on %d hosts, %d within %d days, %d critical "
                   "(<= %d days, absent, unreadable, revoked, key mismatch or differing between hosts of a structure)",
        "status": {"ok": "OK", "warning": "WARNING", "critical": "CRITICAL"},
        "title": "ROC certificates over the fleet", "page": "esante.roc certificate report",
        "meta": "Generated %s &middot; warn at %d days, critical at %d days &middot; %d structures",
        "columns": ("Days left", "Structure", "Host", "Service", "Issuer range", "Not after", "Same on all hosts",
                    "Key", "SHA-256", "To do"),
        "absent": "absent", "unreadable": "unreadable", "revoked": "revoked", "yes": "yes", "no": "<b>NO</b>",
        "matches": "matches", "mismatch": "<b>MISMATCH</b>", "timeline": "Expiry timeline", "today": "today",
        "no_timeline": "No certificate to place on the timeline.",
        "actions": {
            "revoked_absent": "revoked on %s (%s): order a new certificate",
            "revoked_present": "REVOKED on %s (%s) but still installed: remove it (esante.roc.revoke)",
            "crl": "revoked according to the CRL of %s (%s): esante.roc.revoke, then a new order",
            "absent": "absent: install (esante.roc.site) or order",
            "error": "unreadable: %s",
            "mismatch": "the key does not match the certificate",
            "inconsistent": "differs between the hosts of the structure: esante.roc.site",
            "expired": "expired: renew (esante.roc.renew)",
            "fail": "expires in %d days: renew (esante.roc.renew)",
            "warn": "expires in %d days: prepare the renewal",
        },
    },
}


def _texts(language):
    if language not in TEXTS:
        raise RocError("language: must be fr or en, not %r" % (language,))
    return TEXTS[language]


def _hex(value):
    return "".join(c for c in (value or "").upper() if c in "0123456789ABCDEF")


def _revocation(row, records):
    """The record of the structure that names this row's certificate, or the last record of its service."""
    service_records = [r for r in records if r.get("service") == row["service"]]
    for record in service_records:
        if row["sha256"] and _hex(record.get("sha256")) == _hex(row["sha256"]):
            return record, True
        if row["serial"] and record.get("serial") and _hex(record.get("serial")) == _hex(row["serial"]):
            return record, True
    return (service_records[-1], False) if service_records else (None, False)


def fleet_report(entries, warn_days=30, fail_days=7, now=None, revocations=None, language="fr"):
    """entries: [{host, structure, service, facts}] -> {rows, structures, counts, status, summary}. `revocations`:
    {structure: revocation document (esante.roc.revoke's record)}: a revoked certificate still installed, or a revoked
    service not yet replaced, needs action. Texts in French (default) or English."""
    texts = _texts(language)
    now = now or utcnow()
    records = dict((k, (v or {}).get("records") or []) for k, v in (revocations or {}).items())
    rows = []
    for entry in entries:
        facts = entry.get("facts") or {}
        present = facts.get("present", bool(facts.get("not_after")))
        revocation = facts.get("revocation") or {}
        row = {
            "structure": entry.get("structure"), "host": entry.get("host"), "service": entry.get("service"),
            "present": bool(present), "error": facts.get("error"),
            "not_after": facts.get("not_after"), "sha256": facts.get("sha256"), "serial": facts.get("serial"),
            "days_left": _days_left(parse_iso(facts["not_after"]), now) if facts.get("not_after") else None,
            "range": "%s %s" % ((facts.get("igc_sante") or {}).get("range") or "?",
                                (facts.get("igc_sante") or {}).get("environment") or "unknown CA")
            if facts.get("not_after") else None,
            "privatekey_match": facts.get("privatekey_match"),
            "revoked": bool(revocation.get("revoked")),
            "revocation": None,
        }
        record, matches = _revocation(row, records.get(row["structure"]) or [])
        if record is not None and (matches or not row["present"]):
            row["revoked"] = row["revoked"] or matches
            row["revocation"] = {"source": "record", "date": record.get("date"), "reason": record.get("reason"),
                                 "serial": record.get("serial"), "installed": bool(matches and row["present"])}
        elif revocation.get("revoked"):
            row["revocation"] = {"source": "crl", "date": revocation.get("date"), "reason": revocation.get("reason"),
                                 "crl_issuer": revocation.get("crl_issuer"), "installed": True}
        rows.append(row)
    groups = {}
    for row in rows:
        groups.setdefault((row["structure"], row["service"]), set()).add(row["sha256"])
    for row in rows:
        row["consistent"] = len(groups[(row["structure"], row["service"])]) == 1
        row["action"] = _action(row, warn_days, fail_days, texts["actions"])
    rows.sort(key=lambda r: (r["days_left"] is not None, r["days_left"] if r["days_left"] is not None else 0,
                             r["structure"] or "", r["service"] or "", r["host"] or ""))
    problems = [r for r in rows if _critical(r, fail_days)]
    warnings = [r for r in rows if r not in problems and r["days_left"] is not None and r["days_left"] <= warn_days]
    status = "critical" if problems else ("warning" if warnings else "ok")
    hosts = sorted(set(r["host"] for r in rows))
    counts = {"certificates": len(rows), "hosts": len(hosts), "warning": len(warnings), "critical": len(problems),
              "revoked": len([r for r in rows if r["revocation"]])}
    summary = texts["summary"] % (texts["status"][status], counts["certificates"], counts["hosts"], counts["warning"],
                                  warn_days, counts["critical"], fail_days)
    return {"generated": now.strftime(ISO), "warn_days": warn_days, "fail_days": fail_days, "status": status,
            "counts": counts, "summary": summary, "rows": rows, "language": language,
            "structures": sorted(set(r["structure"] for r in rows if r["structure"]))}


def _critical(row, fail_days):
    return (not row["present"] or row["error"] or not row["consistent"] or row["privatekey_match"] is False
            or row["revocation"] is not None or row["revoked"]
            or (row["days_left"] is not None and row["days_left"] <= fail_days))


def _action(row, warn_days, fail_days, actions):
    """What a person must do for this row ('' when nothing)."""
    revocation = row["revocation"]
    if revocation and revocation["source"] == "crl":
        return actions["crl"] % (revocation.get("crl_issuer") or "?", revocation.get("date") or "?")
    if revocation:
        key = "revoked_present" if revocation["installed"] else "revoked_absent"
        return actions[key] % (revocation.get("date") or "?", revocation.get("reason") or "?")
    if not row["present"]:
        return actions["absent"]
    if row["error"]:
        return actions["error"] % row["error"]
    if row["privatekey_match"] is False:
        return actions["mismatch"]
    if not row["consistent"]:
        return actions["inconsistent"]
    if row["days_left"] is not None and row["days_left"] < 0:
        return actions["expired"]
    if row["days_left"] is not None and row["days_left"] <= fail_days:
        return actions["fail"] % row["days_left"]
    if row["days_left"] is not None and row["days_left"] <= warn_days:
        return actions["warn"] % row["days_left"]
    return ""


def _row_class(row, report):
    if _critical(row, report["fail_days"]):
        return "critical"
    if row["days_left"] is None:
        return "critical"
    if row["days_left"] <= report["fail_days"]:
        return "critical"
    if row["days_left"] <= report["warn_days"]:
        return "warning"
    return "ok"


def _timeline(report, texts):
    """An inline SVG: one dot per certificate on a time axis from today to the last expiry."""
    dated = [r for r in report["rows"] if r["days_left"] is not None]
    if not dated:
        return "<p>%s</p>" % texts["no_timeline"]
    width, left, right, row_h = 900, 230, 30, 22
    span = max(max(r["days_left"] for r in dated), report["warn_days"] + 1, 1)
    low = min(0, min(r["days_left"] for r in dated))
    height = 50 + row_h * len(dated)

    def x(days):
        return left + (width - left - right) * (days - low) / float(span - low)

    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" '
             'aria-label="Expiry timeline">' % (width, height)]
    parts.append('<rect x="%.1f" y="20" width="%.1f" height="%d" class="zone-warn"/>' % (
        x(max(low, 0)), x(report["warn_days"]) - x(max(low, 0)), height - 40))
    parts.append('<rect x="%.1f" y="20" width="%.1f" height="%d" class="zone-crit"/>' % (
        x(max(low, 0)), x(report["fail_days"]) - x(max(low, 0)), height - 40))
    parts.append('<line x1="%.1f" y1="15" x2="%.1f" y2="%d" class="today"/>' % (x(0), x(0), height - 15))
    parts.append('<text x="%.1f" y="12" class="axis">%s</text>' % (x(0) - 14, html.escape(texts["today"])))
    for days in range(0, int(span) + 1, max(30, int(span / 8) // 30 * 30 or 30)):
        parts.append('<text x="%.1f" y="%d" class="axis">+%d%s</text>' % (
            x(days) - 10, height - 2, days, "j" if report.get("language", "fr") == "fr" else "d"))
    for index, row in enumerate(dated):
        y = 35 + row_h * index
        label = "%s / %s / %s" % (row["structure"], row["host"], row["service"].replace("Client_ROC_", ""))
        parts.append('<text x="4" y="%d" class="label">%s</text>' % (y + 4, html.escape(label[:34])))
        parts.append('<circle cx="%.1f" cy="%d" r="6" class="%s"><title>%s: %s (%d days)</title></circle>' % (
            x(row["days_left"]), y, _row_class(row, report), html.escape(label), row["not_after"], row["days_left"]))
    parts.append("</svg>")
    return "".join(parts)


STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1d2733;background:#f7f9fb}
h1{font-size:22px;margin:0 0 4px}.meta{color:#5a6b7b;margin-bottom:16px}
.banner{padding:12px 16px;border-radius:6px;font-weight:600;margin-bottom:18px}
.banner.ok{background:#dff3e4;color:#14532d}.banner.warning{background:#fff4d6;color:#7a4b00}
.banner.critical{background:#fde2e1;color:#7f1d1d}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{padding:6px 8px;border-bottom:1px solid #e3e8ee;text-align:left}th{background:#eef2f6}
tr.critical td.days{color:#b91c1c;font-weight:700}tr.warning td.days{color:#b45309;font-weight:700}
tr.ok td.days{color:#166534}td.fp{font-family:monospace;font-size:11px}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11px;font-weight:600}
.pill.ok{background:#dff3e4;color:#14532d}.pill.warning{background:#fff4d6;color:#7a4b00}
.pill.critical{background:#fde2e1;color:#7f1d1d}
svg{background:#fff;border:1px solid #e3e8ee;margin-top:18px}
svg .label{font-size:11px;fill:#1d2733}svg .axis{font-size:10px;fill:#5a6b7b}
svg .today{stroke:#1d2733;stroke-dasharray:3 3}svg .zone-warn{fill:#fff4d6}svg .zone-crit{fill:#fde2e1}
svg circle.ok{fill:#16a34a}svg circle.warning{fill:#d97706}svg circle.critical{fill:#dc2626}
"""


def report_html(report, language=None):
    """One self-contained page (inline CSS and SVG, no external asset), in the report's language (or `language`)."""
    language = language or report.get("language") or "fr"
    texts = _texts(language)
    esc = html.escape
    lines = ["<!DOCTYPE html>", '<html lang="%s"><head><meta charset="utf-8">' % language,
             "<title>%s</title><style>%s</style></head><body>" % (texts["page"], STYLE),
             "<h1>%s</h1>" % texts["title"],
             '<div class="meta">%s</div>' % (texts["meta"] % (
                 esc(report["generated"]), report["warn_days"], report["fail_days"], len(report["structures"]))),
             '<div class="banner %s">%s</div>' % (report["status"], esc(report["summary"])),
             "<table><thead><tr>%s</tr></thead><tbody>" % "".join("<th>%s</th>" % esc(c) for c in texts["columns"])]
    for row in report["rows"]:
        cls = _row_class(row, report)
        if not row["present"]:
            days = texts["revoked"] if row.get("revocation") else texts["absent"]
        elif row["error"]:
            days = texts["unreadable"]
        else:
            days = "%d" % row["days_left"]
        lines.append(
            '<tr class="%s"><td class="days">%s <span class="pill %s">%s</span></td><td>%s</td><td>%s</td><td>%s</td>'
            "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"fp\" title=\"%s\">%s</td><td>%s</td></tr>" % (
                cls, esc(days), cls, esc(texts["status"][cls]), esc(row["structure"] or ""), esc(row["host"] or ""),
                esc(row["service"] or ""), esc(row["range"] or ""), esc(row["not_after"] or "-"),
                texts["yes"] if row["consistent"] else texts["no"],
                {True: texts["matches"], False: texts["mismatch"], None: "-"}[row["privatekey_match"]],
                esc(row["sha256"] or ""), esc((row["sha256"] or "")[:23]) + ("&hellip;" if row["sha256"] else ""),
                esc(row.get("action") or "")))
    lines.append("</tbody></table>")
    lines.append("<h2>%s</h2>" % texts["timeline"])
    lines.append(_timeline(report, texts))
    lines.append("</body></html>")
    return "\n".join(lines)


def fleet_entries(hosts, hostvars, register="roc_report_info"):
    """Entries for fleet_report from each host's registered esante.roc.certificate_info result."""
    entries = []
    for host in hosts:
        facts = hostvars[host]
        info = facts.get(register) or {}
        for cert in info.get("certificates") or []:
            entries.append({"host": host, "structure": facts.get("roc_structure"), "service": cert.get("name"),
                            "facts": cert})
    return entries
