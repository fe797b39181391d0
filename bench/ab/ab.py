"""Same-window A/B of two (or more) builds of the collection, no-change esante.roc.site on the p12 path.

This machine's speed drifts by up to 1.5x within an hour, so builds are compared on ONE fleet, in the same minutes:
each build gets its own slot of N bench hosts (slot s: roc-bench-(s*N+1) .. roc-bench-((s+1)*N)) and its own order
folder, one cold run each, then warm runs interleaved. Reported per build: median wall seconds, median busy CPU
seconds of the whole machine (/proc/stat: controller, ssh, containers; more stable than wall), and the CPU of the
workers per task (worker_cpu.py) of the last round.

    python bench/bench.py --up 20                      # 2 slots of 10 hosts (the inventory: .bench/inventory.yml)
    python bench/ab/ab.py 10 6 /tmp/old-collections:0 .build/collections:1

A build is a collections folder (ansible-galaxy collection install -p DIR); an old commit's: git worktree add,
then its `ansible-galaxy collection build` / `install -p`."""
import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(TOP, ".bench")


def busy():
    fields = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    return sum(fields[:3]) + sum(fields[5:8])


def run(build, slot, size, tag, out):
    hosts = ",".join("roc-bench-%d" % (slot * size + k) for k in range(1, size + 1))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=build,
               ANSIBLE_SSH_CONTROL_PATH_DIR=tempfile.mkdtemp(), ANSIBLE_FORKS="20",
               ANSIBLE_CALLBACK_PLUGINS=HERE, ANSIBLE_CALLBACKS_ENABLED="worker_cpu",
               CPU_TASKS_OUT=os.path.join(out, "%s.tsv" % tag))
    ticks, start = busy(), time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                           "-i", os.path.join(WORK, "inventory.yml"), "-l", hosts, "-e", "roc_bench_path=p12",
                           "-e", "roc_orders_dir=%s/orders-%d" % (WORK, slot), "esante.roc.site"],
                          env=env, capture_output=True, text=True, check=False)
    seconds, cpu = time.monotonic() - start, (busy() - ticks) / os.sysconf("SC_CLK_TCK")
    changed = sum(int(x) for x in re.findall(r"changed=(\d+)", proc.stdout))
    with open(os.path.join(out, "%s.log" % tag), "w") as handle:
        handle.write(proc.stdout + proc.stderr)
    if proc.returncode:
        print("%s: failed (rc %d), see %s/%s.log" % (tag, proc.returncode, out, tag))
    return seconds, cpu, changed


def worker_cpu(path):
    per_task = collections.defaultdict(float)
    for line in open(path):
        name, _host, cpu, _children, _wall = line.rstrip("\n").split("\t")
        per_task[name.replace("esante.roc.", "")[:60]] += float(cpu)
    return per_task


def main(argv):
    size, rounds = int(argv[1]), int(argv[2])
    builds = [(spec.rsplit(":", 1)[0], int(spec.rsplit(":", 1)[1])) for spec in argv[3:]]
    out = tempfile.mkdtemp(prefix="roc-ab-")
    for i, (build, slot) in enumerate(builds):
        shutil.rmtree(os.path.join(WORK, "orders-%d" % slot), ignore_errors=True)
        print("cold %s: %.1f s, busy CPU %.1f s, changed %d" % ((build,) + run(build, slot, size, "b%d-cold" % i, out)))
    results = collections.defaultdict(list)
    for r in range(rounds):
        for i, (build, slot) in enumerate(builds):
            seconds, cpu, changed = run(build, slot, size, "b%d-w%d" % (i, r), out)
            results[i].append((seconds, cpu))
            if changed:
                print("warm run of %s changed %d" % (build, changed))
    for i, (build, _slot) in enumerate(builds):
        print("%-40s wall median %.2f s, busy CPU median %.2f s (%s)" % (
            build, statistics.median(s for s, _c in results[i]), statistics.median(c for _s, c in results[i]),
            " ".join("%.1f/%.1f" % x for x in results[i])))
    tasks = [worker_cpu(os.path.join(out, "b%d-w%d.tsv" % (i, rounds - 1))) for i in range(len(builds))]
    print("worker CPU per task, last round (s): " + " | ".join("%.2f total" % sum(t.values()) for t in tasks))
    for name in sorted(set().union(*tasks), key=lambda n: -tasks[-1].get(n, 0)):
        print("%-60s %s" % (name, " ".join("%6.3f" % t.get(name, 0) for t in tasks)))
    print("logs: %s" % out)


if __name__ == "__main__":
    main(sys.argv)
