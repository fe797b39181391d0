# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The doctor's verdicts and their words, shared by the module (checks on the host), its action plugin (the clock
against the controller's) and the doctor_report filter (what holds across the hosts of a structure).

A check is {check, service, verdict, message}: `verdict` is ok | warning (a person will have to act: renew soon)
| error (ROC does not work, or will not: a person must act now). The messages a person reads come from MESSAGES,
in French (default) or English; `detail` (the library's reason, a path) is kept in its own words."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

VERDICTS = ("ok", "warning", "error")
LABELS = {
    "fr": {"ok": "OK", "warning": "À SURVEILLER", "error": "À CORRIGER"},
    "en": {"ok": "OK", "warning": "WATCH", "error": "FIX"},
}

# check name -> {verdict: {language: text}} ; %(...)s fields filled from the check's values
MESSAGES = {
    "file": {
        "ok": {"fr": "%(what)s présent et lisible par le groupe %(group)s",
               "en": "%(what)s present, readable by group %(group)s"},
        "missing": {"fr": "%(what)s absent (%(path)s)", "en": "%(what)s missing (%(path)s)"},
        "unsafe": {"fr": "%(what)s refusé : %(detail)s", "en": "%(what)s refused: %(detail)s"},
        "group": {"fr": "%(what)s non lisible par le groupe %(group)s du middleware (%(detail)s)",
                  "en": "%(what)s not readable by the middleware group %(group)s (%(detail)s)"},
        "open": {"fr": "%(what)s lisible par tous les utilisateurs (mode %(detail)s) : clé exposée",
                 "en": "%(what)s readable by every user (mode %(detail)s): key exposed"},
    },
    "certificate": {
        "ok": {"fr": "certificat valide jusqu'au %(not_after)s (%(days_left)s jours)",
               "en": "certificate valid until %(not_after)s (%(days_left)s days)"},
        "expiring": {"fr": "certificat expire le %(not_after)s (dans %(days_left)s jours) : commander le renouvellement",
                     "en": "certificate expires on %(not_after)s (in %(days_left)s days): order the renewal"},
        "expired": {"fr": "certificat expiré ou pas encore valide : %(detail)s",
                    "en": "certificate not valid now: %(detail)s"},
        "unreadable": {"fr": "certificat illisible : %(detail)s", "en": "certificate unreadable: %(detail)s"},
        "profile": {"fr": "certificat inadapté au service : %(detail)s",
                    "en": "certificate does not fit the service: %(detail)s"},
    },
    "key_match": {
        "ok": {"fr": "la clé privée correspond au certificat", "en": "the private key matches the certificate"},
        "mismatch": {"fr": "la clé privée ne correspond pas au certificat",
                     "en": "the private key does not match the certificate"},
        "unreadable": {"fr": "clé privée illisible : %(detail)s", "en": "private key unreadable: %(detail)s"},
    },
    "chain": {
        "ok": {"fr": "chaîne vérifiée jusqu'à l'ancre IGC-Santé %(environment)s épinglée (%(anchor)s)",
               "en": "chain verified up to the pinned IGC-Santé %(environment)s anchor (%(anchor)s)"},
        "invalid": {"fr": "chaîne invalide : %(detail)s", "en": "chain invalid: %(detail)s"},
    },
    "fullchain": {
        "ok": {"fr": "fullchain et fichier combiné cohérents avec le certificat",
               "en": "fullchain and combined file agree with the certificate"},
        "invalid": {"fr": "%(what)s incohérent : %(detail)s", "en": "%(what)s inconsistent: %(detail)s"},
    },
    "keystore": {
        "ok": {"fr": "keystore ouvert avec le mot de passe configuré, alias %(alias)s avec sa chaîne (%(chain_length)s)",
               "en": "keystore opens with the configured password, alias %(alias)s with its chain (%(chain_length)s)"},
        "password": {"fr": "le mot de passe configuré n'ouvre pas le keystore %(path)s",
                     "en": "the configured password does not open the keystore %(path)s"},
        "invalid": {"fr": "keystore %(path)s : %(detail)s", "en": "keystore %(path)s: %(detail)s"},
    },
    "store": {
        "ok": {"fr": "ancres présentes dans %(store)s : %(names)s", "en": "anchors present in %(store)s: %(names)s"},
        "missing": {"fr": "ancre(s) absente(s) de %(store)s : %(names)s",
                    "en": "anchor(s) missing from %(store)s: %(names)s"},
        "unreadable": {"fr": "magasin %(store)s illisible : %(detail)s",
                       "en": "store %(store)s unreadable: %(detail)s"},
    },
    "configuration": {
        "ok": {"fr": "la configuration du middleware (%(path)s) nomme %(count)s fichiers, tous présents",
               "en": "the middleware configuration (%(path)s) names %(count)s files, all present"},
        "missing": {"fr": "la configuration du middleware (%(path)s) nomme des fichiers absents : %(names)s",
                    "en": "the middleware configuration (%(path)s) names missing files: %(names)s"},
        "absent": {"fr": "configuration du middleware absente (%(path)s)",
                   "en": "middleware configuration missing (%(path)s)"},
    },
    "clock": {
        "ok": {"fr": "horloge à l'heure (écart %(skew)s s avec le contrôleur)",
               "en": "clock on time (%(skew)s s from the controller)"},
        "skewed": {"fr": "horloge décalée de %(skew)s s par rapport au contrôleur (au-delà de %(max)s s : TLS et SAML échouent)",
                   "en": "clock %(skew)s s off the controller's (beyond %(max)s s: TLS and SAML fail)"},
    },
    "handshake": {
        "ok": {"fr": "poignée de main TLS mutuelle réussie avec %(endpoint)s (%(version)s)",
               "en": "mutual-TLS handshake with %(endpoint)s succeeded (%(version)s)"},
        "failed": {"fr": "poignée de main TLS mutuelle avec %(endpoint)s refusée : %(detail)s",
                   "en": "mutual-TLS handshake with %(endpoint)s failed: %(detail)s"},
    },
    "same_material": {
        "ok": {"fr": "même certificat sur les %(count)s serveurs de la structure",
               "en": "same certificate on the structure's %(count)s servers"},
        "differs": {"fr": "certificats différents selon les serveurs de la structure : %(detail)s",
                    "en": "the structure's servers hold different certificates: %(detail)s"},
    },
}

WHAT = {
    "privatekey": {"fr": "clé privée", "en": "private key"},
    "certificate": {"fr": "certificat", "en": "certificate"},
    "chain": {"fr": "chaîne", "en": "chain"},
    "fullchain": {"fr": "fullchain", "en": "fullchain"},
    "combined": {"fr": "fichier combiné", "en": "combined file"},
    "keystore": {"fr": "keystore", "en": "keystore"},
}


def language(value):
    return "en" if str(value or "fr").lower().startswith("en") else "fr"


def check(name, key, verdict, lang, service=None, **values):
    """One check: its verdict and the sentence a person reads (values with `what` given as a WHAT key)."""
    lang = language(lang)
    if "what" in values and values["what"] in WHAT:
        values["what"] = WHAT[values["what"]][lang]
    values = dict((k, "" if v is None else v) for k, v in values.items())
    text = MESSAGES[name][key][lang] % _Defaults(values)
    out = {"check": name, "verdict": verdict, "message": text}
    if service:
        out["service"] = service
    return out


class _Defaults(dict):
    def __missing__(self, key):
        return ""


def worst(verdicts):
    rank = max([VERDICTS.index(v) for v in verdicts if v in VERDICTS] or [0])
    return VERDICTS[rank]


def summarize(host, checks, lang, services=None):
    """(verdict, the one line a person reads) of a host from its checks."""
    lang = language(lang)
    verdict = worst(c["verdict"] for c in checks)
    label = LABELS[lang][verdict]
    if verdict == "ok":
        days = [s.get("days_left") for s in (services or []) if s.get("days_left") is not None]
        count = len(services or [])
        if lang == "fr":
            tail = "%d service(s) prêt(s) pour ROC" % count
            tail += ", %d jours avant la première expiration" % min(days) if days else ""
        else:
            tail = "%d service(s) ready for ROC" % count
            tail += ", %d days before the first expiry" % min(days) if days else ""
        return verdict, "%s: %s - %s" % (host, label, tail)
    bad = [c for c in checks if c["verdict"] == verdict]
    parts = ["%s%s" % ((c["service"] + ": ") if c.get("service") else "", c["message"]) for c in bad]
    return verdict, "%s: %s - %s" % (host, label, "; ".join(parts))


def add_checks(result, checks, host, lang):
    """The host's result with more checks (the clock, the structure's), verdict and line recomputed."""
    result = dict(result)
    result["checks"] = list(result.get("checks") or []) + list(checks)
    result["verdict"], result["summary"] = summarize(host, result["checks"], lang, result.get("services"))
    return result


def same_material(hosts, lang="fr"):
    """Cross-host check: {host: {structure, services: [{service, sha256}]}} -> {host: [checks]}: every host of a
    structure holds the same certificate for each service it has."""
    by_service = {}
    for host, data in hosts.items():
        for entry in data.get("services") or []:
            if entry.get("sha256"):
                by_service.setdefault((data.get("structure"), entry["service"]), {})[host] = entry["sha256"]
    out = dict((h, []) for h in hosts)
    for (structure, service), holders in sorted(by_service.items(), key=lambda i: (str(i[0][0]), i[0][1])):
        if structure is None or len(holders) < 2:
            continue
        prints = set(holders.values())
        if len(prints) == 1:
            for host in holders:
                out[host].append(check("same_material", "ok", "ok", lang, service, count=len(holders)))
        else:
            groups = {}
            for host, fp in holders.items():
                groups.setdefault(fp, []).append(host)
            detail = "; ".join("%s... on %s" % (fp[:23], ", ".join(sorted(h))) for fp, h in sorted(groups.items()))
            for host in holders:
                out[host].append(check("same_material", "differs", "error", lang, service, detail=detail))
    return out


def report(results, lang="fr", fail_on="warning"):
    """The fleet's document from each host's doctor result ({host: result}): the structure-wide checks added,
    per-host verdict and line, the hosts that need a person (verdict at or above `fail_on`)."""
    lang = language(lang)
    present = dict((h, r) for h, r in results.items() if isinstance(r, dict) and r.get("checks") is not None)
    cross = same_material(present, lang)
    hosts = {}
    for host in sorted(results):
        result = results[host]
        if host not in present:
            message = (result or {}).get("msg") if isinstance(result, dict) else None
            text = ("le diagnostic n'a pas pu s'exécuter : %s" if lang == "fr" else "the doctor could not run: %s") % (
                message or ("hôte injoignable" if lang == "fr" else "host unreachable"))
            hosts[host] = {"verdict": "error", "summary": "%s: %s - %s" % (host, LABELS[lang]["error"], text),
                           "checks": [{"check": "run", "verdict": "error", "message": text}]}
            continue
        hosts[host] = add_checks(result, cross.get(host, []), host, lang)
        hosts[host] = dict((k, v) for k, v in hosts[host].items() if k not in ("invocation", "changed", "failed"))
    threshold = VERDICTS.index(fail_on if fail_on in VERDICTS else "warning")
    need = sorted(h for h, r in hosts.items() if VERDICTS.index(r["verdict"]) >= threshold)
    return {
        "verdict": worst(r["verdict"] for r in hosts.values()),
        "language": lang,
        "hosts": hosts,
        "lines": [hosts[h]["summary"] for h in sorted(hosts)],
        "need_attention": need,
    }
