#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""examples/slurm on a real one-node Slurm cluster started on the loopback interface.

  test_slurm.py --w2vee W2VEE --model DIR --examples DIR --workdir DIR [eval-array]

eval-array: starts munged (a key made here, its own socket), slurmctld and slurmd
(Debian 12's slurm-wlm 22.05: proctrack/linuxproc, task/none, select/cons_tres, state
and spool folders and free 127.0.0.1 ports of its own, SLURM_CONF pointing at a
slurm.conf written here), synthesises 6 utterances in two splits, submits
examples/slurm/submit.sh with N = 3 (an array job of 3 shards, then the merge with
--dependency=afterok), and compares RUN_DIR/results byte for byte with one whole
`w2vee eval` run (the table's measured times aside). Then removes shard 2's shard.json,
resumes with submit.sh (which must submit shard 2 only) and compares again. Every daemon
it started is stopped by its PID at the end, whatever happened.

It never skips: without the daemons' binaries, or when the cluster does not come up,
it FAILS, printing the daemons' logs. Needs root (slurmd runs jobs as their user), as
CI runs it; packages slurm-wlm and munge (scripts/debian-packages.txt).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import w2vee_testlib as testlib
from w2vee_testlib import Failure, check

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "eval"))
import test_eval  # noqa: E402  (synthesis, manifests, table masking)

NODE = "w2veenode"
START_TIMEOUT = 40  # seconds for the node to be idle after slurmd starts
JOB_TIMEOUT = 120   # seconds for a submission's merge job to end
DAEMONS = ("munged", "mungekey", "munge", "slurmctld", "slurmd", "sbatch", "scontrol",
           "sinfo")

SLURM_CONF = """\
ClusterName=w2veetest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
NodeName={node} NodeHostname=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=512 State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def free_ports(n):
    """@n distinct TCP ports free on 127.0.0.1 now (bound together, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Cluster:
    """munged, slurmctld and slurmd started by this test, in the foreground (-F, -D),
    so that each Popen's pid is the daemon's."""

    def __init__(self, root):
        self.root = root
        self.procs = []  # (name, Popen), in start order
        self.socket_dir = None
        self.env = dict(os.environ)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def logs(self):
        """Every daemon's output and log file, for a failure message."""
        text = []
        names = sorted(n for n in os.listdir(self.root) if n.endswith((".log", ".out")))
        for name in names:
            with open(self.path(name), errors="replace") as f:
                text.append(f"----- {name} -----\n{testlib.tail(f.read(), 4000)}")
        return "\n".join(text) or "(no daemon log)"

    def fail(self, what):
        raise Failure(f"{what}\n{self.logs()}")

    def spawn(self, name, cmd):
        out = self.path(name + ".out")
        with open(out, "w") as f:
            p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=self.env,
                                 start_new_session=True)
        self.procs.append((name, p))
        print(f"started {name} (pid {p.pid}): {' '.join(cmd)}", flush=True)
        return p

    def tool(self, *cmd, timeout=30):
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def wait_for(self, what, ready, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, p in self.procs:
                if p.poll() is not None:
                    self.fail(f"{name} exited with status {p.returncode} while waiting "
                              f"for {what}")
            if ready():
                return
            time.sleep(0.3)
        self.fail(f"no {what} after {timeout} s")

    def start(self):
        missing = [d for d in DAEMONS if shutil.which(d) is None and
                   not os.path.exists(os.path.join("/usr/sbin", d))]
        if missing:
            raise Failure(f"{', '.join(missing)} not found: install slurm-wlm and munge "
                          "(scripts/debian-packages.txt)")
        if os.geteuid() != 0:
            raise Failure("needs root: slurmd runs jobs as the user who submits them "
                          "(CI runs the suite as root)")
        for d in ("state", "spool", "munge"):
            os.makedirs(self.path(d))
        os.chmod(self.path("munge"), 0o700)  # the key: root's alone
        # the socket: a short path (sun_path holds 108 bytes) in a folder all may enter
        self.socket_dir = tempfile.mkdtemp(prefix="w2vee-munge-")
        os.chmod(self.socket_dir, 0o755)

        key = self.path("munge", "munge.key")
        r = self.tool("mungekey", "--create", f"--keyfile={key}")
        if r.returncode != 0:
            self.fail(f"mungekey failed: {r.stdout}{r.stderr}")
        socket_path = os.path.join(self.socket_dir, "socket")
        self.spawn("munged", ["munged", "--foreground", f"--key-file={key}",
                              f"--socket={socket_path}",
                              f"--pid-file={self.path('munge', 'munged.pid')}",
                              f"--seed-file={self.path('munge', 'munged.seed')}",
                              f"--log-file={self.path('munged.log')}"])

        def munge_works():
            r = subprocess.run(f"munge -n -S '{socket_path}' | unmunge -S '{socket_path}'",
                               shell=True, capture_output=True, env=self.env)
            return r.returncode == 0
        self.wait_for("munge credential round trip", munge_works, 15)

        ctld_port, slurmd_port = free_ports(2)
        conf = self.path("slurm.conf")
        with open(conf, "w") as f:
            f.write(SLURM_CONF.format(ctld_port=ctld_port, slurmd_port=slurmd_port,
                                      munge_socket=socket_path, root=self.root, node=NODE,
                                      cpus=min(os.cpu_count() or 1, 4)))
        self.env["SLURM_CONF"] = conf
        for name in list(self.env):
            if name.startswith(("SLURM_", "SBATCH_", "SQUEUE_")) and name != "SLURM_CONF":
                del self.env[name]  # nothing of an outer Slurm job leaks in
        self.spawn("slurmctld", ["slurmctld", "-D", "-i", "-f", conf])

        def ctld_up():
            return self.tool("scontrol", "ping").returncode == 0
        self.wait_for("slurmctld answering scontrol ping", ctld_up, 20)
        self.spawn("slurmd", ["slurmd", "-D", "-N", NODE, "-f", conf])

        def node_idle():
            r = self.tool("sinfo", "-h", "-N", "-n", NODE, "-o", "%T")
            return r.returncode == 0 and r.stdout.strip() == "idle"
        self.wait_for(f"node {NODE} idle", node_idle, START_TIMEOUT)
        print(f"cluster up: slurmctld on 127.0.0.1:{ctld_port}, slurmd on {slurmd_port}")

    def stop(self):
        """SIGTERM to each daemon by its pid, last started first; SIGKILL after 15 s."""
        for name, p in reversed(self.procs):
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
            print(f"stopped {name} (pid {p.pid}): exit {p.returncode}")
        self.procs.clear()
        if self.socket_dir is not None:
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def job_state(self, job):
        r = self.tool("scontrol", "-o", "show", "job", job)
        states = [f.split("=", 1)[1] for f in r.stdout.split() if f.startswith("JobState=")]
        return states[0] if states else None

    def wait_job(self, job, what):
        """Waits for @job to end; fails with the logs unless it COMPLETED."""
        done = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                "BOOT_FAIL", "DEADLINE", "PREEMPTED")
        state = [None]

        def ended():
            state[0] = self.job_state(job)
            return state[0] in done
        self.wait_for(f"end of {what} (job {job}, now {state[0]})", ended, JOB_TIMEOUT)
        if state[0] != "COMPLETED":
            self.fail(f"{what} (job {job}) ended {state[0]}")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def submit(e, cluster, args):
    """Runs submit.sh with @args; returns (its stdout, the merge job id)."""
    r = testlib.run(["sh", os.path.join(e.examples, "submit.sh"), *args], expect=0,
                    cwd=e.workdir, env={**cluster.env, "W2VEE": e.w2vee}, timeout=60)
    merge = [line.split()[2] for line in r.out.splitlines() if line.startswith("merge:")]
    check(len(merge) == 1, f"submit.sh printed no merge job: {r.out!r}")
    return r.out, merge[0]


def compare(e, run_dir, whole_table, what):
    results = os.path.join(run_dir, "results")
    for name in ("wer_results.txt", "a_results.txt", "b_results.txt"):
        check(read(os.path.join(results, name)) == read(e.path("whole", name)),
              f"{what}: {name} differs from the whole run's")
    table = read(os.path.join(results, "table.txt")).decode()
    check(test_eval.mask_times(table) == test_eval.mask_times(whole_table),
          f"{what}: table differs:\n{table}\nwhole run:\n{whole_table}")
    print(f"{what}: results identical to the whole run")


def case_eval_array(args):
    e = test_eval.Env(args, "slurm")
    e.examples = os.path.abspath(args.examples)
    rows = test_eval.read_utterances()[:6]
    test_eval.synthesise(rows, e.path("wav"))
    items = [(f"wav/{r['uid']}.wav", r["text"]) for r in rows]
    test_eval.write_manifest(e.path("a.tsv"), items[:4])
    test_eval.write_manifest(e.path("b.tsv"), items[4:])
    eval_args = ["-m", e.model, "-d", "a=a.tsv", "-d", "b=b.tsv"]
    shutil.rmtree(e.path("whole"), ignore_errors=True)
    whole, _ = e.run("eval", *eval_args, "-t", "1", "-o", "whole", expect=0)

    root = e.path("cluster")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    run_dir = e.path("run")
    shutil.rmtree(run_dir, ignore_errors=True)
    cluster = Cluster(root)
    t0 = time.monotonic()
    try:
        cluster.start()
        t_up = time.monotonic()
        out, merge = submit(e, cluster, ["3", "run", *eval_args])
        check("shards 1,2,3 of 3" in out, f"submit.sh did not submit shards 1-3: {out!r}")
        cluster.wait_job(merge, "merge")
        for k in (1, 2, 3):
            check(os.path.exists(os.path.join(run_dir, "shards", str(k), "shard.json")),
                  f"shard {k} wrote no shard.json")
        logs = os.listdir(os.path.join(run_dir, "logs"))
        check(sum(n.startswith("shard-") for n in logs) == 3, f"shard logs: {logs}")
        compare(e, run_dir, whole, "3 shards under Slurm")
        t_first = time.monotonic()

        # resume: shard 2 lost its result; only it runs again, then the merge
        os.remove(os.path.join(run_dir, "shards", "2", "shard.json"))
        shutil.rmtree(os.path.join(run_dir, "results"))
        out, merge = submit(e, cluster, ["3", "run"])
        check("shards 2 of 3" in out, f"resume did not submit shard 2 alone: {out!r}")
        cluster.wait_job(merge, "merge after resume")
        compare(e, run_dir, whole, "resumed shard 2")
        print(f"times: cluster up {t_up - t0:.1f} s, array + merge {t_first - t_up:.1f} s, "
              f"resume {time.monotonic() - t_first:.1f} s")
    finally:
        cluster.stop()


CASES = {"eval-array": case_eval_array}

if __name__ == "__main__":
    testlib.main(CASES, "examples/slurm on a one-node Slurm cluster",
                 required=["--w2vee", "--model", "--examples", "--workdir"])
