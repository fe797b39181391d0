"""make bench: esante.roc against the floor and against the community.crypto way, on N lab hosts over SSH.

For every N (default 5, 10, 20) and every scenario, REPS runs (default 3) on real containers reached over
SSH on 127.0.0.1 (pipelining and ControlPersist on, the repository's ansible.cfg, forks 20):

  floor        one ansible.builtin.ping task per host, no facts
  site cold    esante.roc.site on the p12 path, fresh hosts        site warm   the same again (must be changed=0)
  order cold   esante.roc.order on the csr path, fresh hosts       order warm  the same again (must be changed=0)
  peer-site / peer-order cold and warm: bench/peer/*.yml, the same work with community.crypto + ansible.builtin

"Fresh hosts" are new containers. Every timed run starts without SSH control masters (a cron compliance run
starts cold too). Module executions per host are counted ON the hosts: the inventory's interpreter is a
wrapper that appends a line to a file before exec'ing python3, so every module execution (ping, stat, copy,
our modules...) counts once, whatever the action plugin does.

It is a tool, not a test: it prints a table (medians), writes bench/results/latest.json and latest.svg.
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
LAB = os.environ.get("ROC_LAB_DIR") or os.path.join(TOP, ".lab")
WORK = os.path.join(TOP, ".bench")
PREFIX = "roc-bench"
BASE_PORT = 22300
COUNTER = "/var/tmp/roc-bench-executions"
WRAPPER = "/usr/local/bin/python3-roc-bench"

SCENARIOS = [
    # name, playbook, delivery path, cold?
    ("floor", os.path.join(HERE, "floor.yml"), "p12", False),
    ("site cold", "esante.roc.site", "p12", True),
    ("site warm", "esante.roc.site", "p12", False),
    ("peer site cold", os.path.join(HERE, "peer", "site.yml"), "p12", True),
    ("peer site warm", os.path.join(HERE, "peer", "site.yml"), "p12", False),
    ("order cold", "esante.roc.order", "csr", True),
    ("order warm", "esante.roc.order", "csr", False),
    ("peer order cold", os.path.join(HERE, "peer", "order.yml"), "csr", True),
    ("peer order warm", os.path.join(HERE, "peer", "order.yml"), "csr", False),
]


def luhn_key(digits):
    """The digit that completes `digits` into a Luhn-valid number (FINESS check key)."""
    for key in "0123456789":
        total = 0
        for i, c in enumerate(reversed(digits + key)):
            d = int(c) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return key
    raise AssertionError("no Luhn key")


def fleet(*args, env=None):
    e = dict(os.environ, ROC_FLEET_PREFIX=PREFIX, ROC_FLEET_BASE_PORT=str(BASE_PORT),
             ROC_FLEET_DIR=os.path.join(WORK, "fleet"))
    e.update(env or {})
    subprocess.run(["bash", os.path.join(TOP, "tests", "lab", "fleet.sh")] + list(args), check=True, env=e,
                   stdout=subprocess.DEVNULL)


def podman(*args, **kw):
    kw.setdefault("env", dict(os.environ, CONTAINERS_CONF=os.environ.get(
        "CONTAINERS_CONF", os.path.join(TOP, "tests", "lab", "containers.conf"))))
    return subprocess.run(["podman"] + list(args), check=True, capture_output=True, text=True, **kw).stdout


def wait_ssh(n, timeout=60):
    deadline = time.monotonic() + timeout
    for i in range(1, n + 1):
        while True:
            try:
                with socket.create_connection(("127.0.0.1", BASE_PORT + i), timeout=2) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("bench: host %d does not answer SSH" % i)
            time.sleep(0.2)


def install_wrapper(name):
    script = "#!/bin/sh\necho x >> %s\nexec /usr/bin/python3 \"$@\"\n" % COUNTER
    podman("exec", "-i", name, "sh", "-c", "cat > %s && chmod 0755 %s" % (WRAPPER, WRAPPER), input=script)


def fresh_fleet(n):
    fleet("down")
    fleet("up", str(n), "bookworm")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(install_wrapper, ["%s-%d" % (PREFIX, i) for i in range(1, n + 1)]))
    wait_ssh(n)


def take_counts(n):
    def one(i):
        out = podman("exec", "%s-%d" % (PREFIX, i), "sh", "-c",
                     "if [ -f %s ]; then wc -l < %s; rm -f %s; else echo 0; fi" % (COUNTER, COUNTER, COUNTER))
        return int(out.strip() or 0)
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(1, n + 1)))


def write_inventory(n):
    """One inventory for every scenario: the p12 path puts every host in the lab CHU (one structure, the
    same bundles, like a cluster of SIH servers); the csr path gives each host its own structure (each
    host makes its two keys and CSRs)."""
    manifest = json.load(open(os.path.join(LAB, "pki", "manifest.json")))
    key = os.path.join(WORK, "fleet", "id_ed25519")
    structures = {
        "chu-lab-dijon": {
            "organization": "CHU LAB DE DIJON", "state_province": "Côte-d'Or (21)",
            "identifier_type": "finess", "identifier": "210780581", "contract_level": "EJ",
            "environment": "test",
            "services": {
                "Client_ROC_Annuaire_AMC": {"usage": "auth_cli", "delivery": "p12",
                                            "p12_src": manifest["structures"]["chu-lab-dijon"]["p12"]["auth_cli"],
                                            "p12_passphrase": manifest["passphrase"]},
                "Client_ROC_WebServices_AMC": {"usage": "sign", "delivery": "p12",
                                               "p12_src": manifest["structures"]["chu-lab-dijon"]["p12"]["sign"],
                                               "p12_passphrase": manifest["passphrase"]},
            },
        },
    }
    hosts = {}
    for i in range(1, n + 1):
        name = "%s-%d" % (PREFIX, i)
        finess = "21%06d" % (780000 + i)
        finess += luhn_key(finess)
        structures["ch-bench-%d" % i] = {
            "organization": "CH BENCH %d" % i, "state_province": "Côte-d'Or (21)",
            "identifier_type": "finess", "identifier": finess, "contract_level": "EJ", "environment": "test",
            "services": {"Client_ROC_Annuaire_AMC": {"usage": "auth_cli", "delivery": "csr"},
                         "Client_ROC_WebServices_AMC": {"usage": "sign", "delivery": "csr"}},
        }
        hosts[name] = {"ansible_host": "127.0.0.1", "ansible_port": BASE_PORT + i,
                       "roc_bench_csr_structure": "ch-bench-%d" % i}
    igc, gie = os.path.join(LAB, "pki", "igc"), os.path.join(LAB, "pki", "gie")
    inventory = {"all": {"hosts": hosts, "vars": {
        "ansible_connection": "ssh", "ansible_user": "root", "ansible_ssh_private_key_file": key,
        "ansible_python_interpreter": WRAPPER,
        "roc_structure": "{{ roc_bench_csr_structure if roc_bench_path == 'csr' else 'chu-lab-dijon' }}",
        "roc_structures": structures,
        "roc_orders_dir": os.path.join(WORK, "orders"),
        "roc_environment": "test",
        "roc_trust_igc_source": "files",
        "roc_trust_igc_files": {"aci": os.path.join(igc, "ACI-EL-ORG-TEST.pem"),
                                "acr": os.path.join(igc, "ACR-EL-TEST.cer")},
        "roc_trust_igc_pins": manifest["igc_pins"],
        # the lab's own IGC CAs: the anchors of the install modules and the chain they write (1.2.0 and later)
        "roc_ca_files": [os.path.join(igc, "ACI-EL-ORG-TEST.pem"), os.path.join(igc, "ACR-EL-TEST.pem")],
        "roc_trust_igc_names": {"acr": "lab-ACR-EL-TEST", "aci": "lab-ACI-EL-ORG-TEST"},
        "roc_trust_gie_anchors": [
            {"name": "lab-GIE-ROOT", "src": os.path.join(gie, "GIE-LAB-ROOT.pem")},
            {"name": "lab-AC-SERVEUR", "src": os.path.join(gie, "AC-SERVEUR.pem")},
            {"name": "lab-AC-SERVICES-APPLICATIFS", "src": os.path.join(gie, "AC-SERVICES-APPLICATIFS.pem")},
        ],
        "roc_trust_bundle": True,
        "roc_trust_java": True,
        "roc_trust_java_keystore_password": "lab-only-changeit",
        "roc_middleware_keystore_password": "lab-only-keystore",
        "roc_middleware_format": "properties",
    }}}
    path = os.path.join(WORK, "inventory.yml")
    with open(path, "w") as f:
        json.dump(inventory, f, indent=1)
    return path


def run_playbook(playbook, inventory, path, n, tag):
    """(seconds, executions per host (median), changed total, ok)"""
    cp_dir = os.path.join(WORK, "cp", tag)
    os.makedirs(cp_dir, exist_ok=True)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH",
                                                       os.path.join(TOP, ".build", "collections")),
               CONTAINERS_CONF=os.environ.get("CONTAINERS_CONF", os.path.join(TOP, "tests", "lab", "containers.conf")),
               ANSIBLE_SSH_CONTROL_PATH_DIR=cp_dir, ANSIBLE_FORKS="20", ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_CALLBACK_RESULT_FORMAT="yaml")
    start = time.monotonic()
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
               "-e", "roc_bench_path=%s" % path, playbook]
    proc = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - start
    log = os.path.join(WORK, "logs", tag + ".log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "w") as f:
        f.write(proc.stdout + proc.stderr)
    changed = sum(int(x) for x in re.findall(r"changed=(\d+)", proc.stdout))
    counts = take_counts(n)
    if proc.returncode != 0:
        print("bench: %s failed (rc %d), log %s" % (tag, proc.returncode, log), file=sys.stderr)
    return seconds, statistics.median(counts), changed, proc.returncode == 0


def bench(sizes, reps, only):
    os.makedirs(WORK, exist_ok=True)
    subprocess.run(["bash", os.path.join(TOP, "tests", "lab", "fleet.sh"), "build", "bookworm"], check=True,
                   stdout=subprocess.DEVNULL)
    results = []
    for n in sizes:
        inventory = write_inventory(n)
        runs = {name: [] for name, _playbook, _path, _cold in SCENARIOS if not only or re.search(only, name)}
        # cold + warm pairs on fresh fleets; the floor on the first fleet of each size
        pairs = [("site", "p12"), ("peer site", "p12"), ("order", "csr"), ("peer order", "csr")]
        for rep in range(reps):
            for base, path in pairs:
                cold, warm = base + " cold", base + " warm"
                if cold not in runs and warm not in runs:
                    continue
                playbook = [p for name, p, _path, _cold in SCENARIOS if name == cold][0]
                fresh_fleet(n)
                shutil.rmtree(os.path.join(WORK, "orders"), ignore_errors=True)
                if base == "site" and "floor" in runs:
                    runs["floor"].append(run_playbook(SCENARIOS[0][1], inventory, "p12", n,
                                                      "n%d-r%d-floor" % (n, rep)))
                for name in (cold, warm):
                    tag = "n%d-r%d-%s" % (n, rep, name.replace(" ", "-"))
                    result = run_playbook(playbook, inventory, path, n, tag)
                    if name in runs:
                        runs[name].append(result)
                    print("  N=%-3d %-16s %6.1f s  %4.0f executions/host  changed=%d%s"
                          % (n, name, result[0], result[1], result[2], "" if result[3] else "  FAILED"),
                          flush=True)
        for name, rows in runs.items():
            if not rows:
                continue
            results.append({
                "n": n, "scenario": name, "runs": [round(r[0], 2) for r in rows],
                "median_s": round(statistics.median(r[0] for r in rows), 2),
                "executions_per_host": statistics.median(r[1] for r in rows),
                "changed": [r[2] for r in rows], "ok": all(r[3] for r in rows),
            })
    fleet("down")
    return results


def table(results):
    def med(n, name):
        for r in results:
            if r["n"] == n and r["scenario"] == name:
                return r
        return None

    lines = ["%-4s %-16s %9s %9s %10s %10s %s" % ("N", "scenario", "median s", "exec/host", "ours/peer",
                                                  "ours/floor", "changed (each run)")]
    for n in sorted({r["n"] for r in results}):
        floor = med(n, "floor")
        for name, *_rest in SCENARIOS:
            r = med(n, name)
            if not r:
                continue
            peer = med(n, "peer " + name) if not name.startswith("peer") and name != "floor" else None
            lines.append("%-4d %-16s %9.2f %9.0f %10s %10s %s%s" % (
                n, name, r["median_s"], r["executions_per_host"],
                "%.2fx" % (r["median_s"] / peer["median_s"]) if peer else "",
                "%.2fx" % (r["median_s"] / floor["median_s"]) if floor and name != "floor" else "",
                r["changed"], "" if r["ok"] else "  FAILED"))
    return "\n".join(lines)


def chart(results, path):
    """A small self-contained SVG: median seconds against N, one line per scenario."""
    names = [name for name, *_rest in SCENARIOS if any(r["scenario"] == name for r in results)]
    sizes = sorted({r["n"] for r in results})
    top = max(r["median_s"] for r in results) * 1.1 or 1
    w, h, left, bottom = 640, 360, 50, 40
    colours = ["#555", "#1f77b4", "#6baed6", "#d62728", "#ff9896", "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5"]

    def x(n):
        span = (sizes[-1] - sizes[0]) or 1
        return left + (n - sizes[0]) / span * (w - left - 170)

    def y(s):
        return h - bottom - s / top * (h - bottom - 20)

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
           'font-size="11">' % (w, h),
           '<text x="%d" y="14">esante.roc bench: median seconds per run against the number of hosts</text>' % left,
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/>' % (left, h - bottom, w - 160, h - bottom),
           '<line x1="%d" y1="20" x2="%d" y2="%d" stroke="#000"/>' % (left, left, h - bottom)]
    for n in sizes:
        out.append('<text x="%.0f" y="%d" text-anchor="middle">N=%d</text>' % (x(n), h - bottom + 15, n))
    for k in range(5):
        s = top * k / 4
        out.append('<text x="%d" y="%.0f" text-anchor="end">%.0f s</text>' % (left - 4, y(s) + 4, s))
    for i, name in enumerate(names):
        pts = [(x(r["n"]), y(r["median_s"])) for r in sorted(results, key=lambda r: r["n"])
               if r["scenario"] == name]
        colour = colours[i % len(colours)]
        dash = ' stroke-dasharray="4 3"' if name.startswith("peer") else ""
        out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>'
                   % (colour, dash, " ".join("%.0f,%.0f" % p for p in pts)))
        out.append('<text x="%d" y="%d" fill="%s">%s</text>' % (w - 150, 40 + 16 * i, colour, name))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "5,10,20"))
    parser.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", "3")))
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""),
                        help="regular expression on scenario names")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--up", type=int, metavar="N",
                        help="only start N fresh bench hosts and write .bench/inventory.yml (for profiling)")
    args = parser.parse_args()
    if args.up:
        fresh_fleet(args.up)
        print(write_inventory(args.up))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results = bench(sizes, args.reps, args.only)
    os.makedirs(args.out, exist_ok=True)
    text = table(results)
    print(text)
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "sizes": sizes, "reps": args.reps,
            "commit": subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"], check=False,
                                     capture_output=True, text=True).stdout.strip(),
            "cpus": os.cpu_count(), "results": results, "table": text.splitlines()}
    with open(os.path.join(args.out, "latest.json"), "w") as f:
        json.dump(meta, f, indent=1)
    chart(results, os.path.join(args.out, "latest.svg"))
    print("saved %s/latest.json and latest.svg" % args.out)


if __name__ == "__main__":
    main()
