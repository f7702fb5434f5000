# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The harness shared by the Python test drivers of tests/ (see tests/README.md).

meson puts tests/ on PYTHONPATH (tests/meson.build); by hand:
    PYTHONPATH=tests python3 tests/cli/test_cli.py ...

A driver is a set of case functions and a main:

    import w2vee_testlib as testlib

    def case_help(args):
        r = testlib.run([args.w2vee, "--help"], expect=0)
        testlib.check("transcribe" in r.out, "--help does not list transcribe")

    if __name__ == "__main__":
        testlib.main({"help": case_help}, "w2vee --help", required=["--w2vee"])

main() runs the cases named on the command line (all of them, in order, when none
is), stops at the first failure, prints one line per case and a summary line, and
exits 0 (all passed), 77 (meson's "skipped": every case run was skipped) or 1.
Only the Python standard library is used, so that any python3 can run it.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from typing import NamedTuple

SKIP_STATUS = 77  # meson's exit status for a skipped test
TAIL = 3000       # characters of a command's output quoted in a failure
SR = 16000        # the sample rate of every model and test clip


class Failure(Exception):
    """A check failed; the message says what was expected and what came."""


class Skip(Exception):
    """The case cannot run here (a missing optional dependency); says why."""


def check(cond, what):
    """Fails with @what unless @cond."""
    if not cond:
        raise Failure(what)


def check_equal(got, want, what):
    """Fails unless @got == @want, printing both."""
    if got != want:
        raise Failure(f"{what}:\n  got:      {got!r}\n  expected: {want!r}")


class Checks:
    """Collects failures instead of stopping at the first, for a case that should
    report everything wrong at once: each check prints "ok WHAT" or "FAIL WHAT:
    DETAIL"; done() prints the counts and raises one Failure listing the failed."""

    def __init__(self):
        self.passed = 0
        self.failures = []

    def check(self, cond, what, detail=""):
        if cond:
            print("ok", what)
            self.passed += 1
        else:
            what = f"{what}: {detail}" if detail else what
            print("FAIL", what)
            self.failures.append(what)

    def done(self):
        print(f"{self.passed} passed, {len(self.failures)} failed")
        if self.failures:
            raise Failure(f"{len(self.failures)} check(s) failed:\n  "
                          + "\n  ".join(self.failures))


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------

class Result(NamedTuple):
    status: int  # exit status (negative: killed by that signal)
    out: str     # stdout, UTF-8
    err: str     # stderr, UTF-8


def tail(text, n=TAIL):
    return text if len(text) <= n else "..." + text[-n:]


def run(cmd, expect=None, env=None, unset=(), cwd=None, timeout=240, shell=False,
        show_out=False):
    """Runs @cmd (a list of arguments, str() of each taken; a string for sh with
    @shell) with stdout and stderr captured and decoded as UTF-8, and prints the
    command line, its exit status and its stderr (and its stdout with @show_out).

    @env: variables added to the environment; @unset: names removed from it.
    Fails when the command runs past @timeout seconds, or, with @expect, exits
    with another status (quoting the ends of both outputs)."""
    full_env = dict(os.environ)
    for name in unset:
        full_env.pop(name, None)
    full_env.update(env or {})
    if not shell:
        cmd = [str(c) for c in cmd]
    shown = cmd if shell else " ".join(cmd)
    try:
        p = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True,
                           timeout=timeout, shell=shell)
    except subprocess.TimeoutExpired:
        raise Failure(f"{shown}: still running after {timeout} s") from None
    r = Result(p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8"))
    print("$", shown, "->", r.status, flush=True)
    if show_out and r.out:
        print(tail(r.out).rstrip())
    if r.err:
        print("  stderr:", tail(r.err).rstrip().replace("\n", "\n          "))
    if expect is not None and r.status != expect:
        raise Failure(f"{shown}: exit status {r.status}, expected {expect}\n"
                      f"stdout: {tail(r.out)}\nstderr: {tail(r.err)}")
    return r


def check_clean_stderr(err, what, words=("CRITICAL", "GStreamer-WARNING")):
    """Fails if @err (a program's stderr) holds one of @words: GLib criticals
    or GStreamer warnings."""
    found = [w for w in words if w in err]
    check(not found, f"{what}: {', '.join(found)} on stderr")


# ---------------------------------------------------------------------------
# Folders and the meson test environment
# ---------------------------------------------------------------------------

_scratch = []


def keep_scratch():
    """W2VEE_KEEP_TEST_DIRS (any value; as in the C tests) keeps the scratch folders,
    for a look after a failure."""
    return os.environ.get("W2VEE_KEEP_TEST_DIRS") is not None


def scratch_dir(parent, prefix):
    """A new empty folder in @parent (made if missing), removed when main() ends."""
    os.makedirs(parent, exist_ok=True)
    path = tempfile.mkdtemp(prefix=prefix, dir=parent)
    _scratch.append(path)
    return path


def fresh_dir(path):
    """@path as a new empty folder (what was there is removed); it stays after the
    test, for a look at what the case wrote."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def source_root():
    """The source tree: $W2VEE_SOURCE_ROOT (set by meson), or the folder above tests/
    when run by hand."""
    return os.environ.get("W2VEE_SOURCE_ROOT") or os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))


def build_root():
    """The build tree: $W2VEE_BUILD_ROOT (set by meson)."""
    path = os.environ.get("W2VEE_BUILD_ROOT", "")
    check(path != "", "$W2VEE_BUILD_ROOT is not set: run under meson test, or set it "
          "to the build folder")
    return path


def training_import_path():
    """Puts training/ first on sys.path, for drivers that import its modules."""
    path = os.path.join(source_root(), "training")
    if path not in sys.path:
        sys.path.insert(0, path)


class RefModels:
    """The reference models of tests/reference (gen_models.py's output folder):
    fails at once with the generator's reason when they could not be made."""

    def __init__(self, root):
        self.root = root
        unavailable = os.path.join(root, "UNAVAILABLE")
        if os.path.exists(unavailable):
            with open(unavailable) as f:
                raise Failure("reference models unavailable: " + f.read().strip())
        check(os.path.isdir(os.path.join(root, "small_group")),
              f"no reference models in {root} (build the ref-models target)")

    def model(self, name):
        return os.path.join(self.root, name, "model")

    def ref(self, name, sub="ref"):
        """reference.json of @name's @sub folder, with "dir" and "wav" (its clip) added."""
        d = os.path.join(self.root, name, sub)
        with open(os.path.join(d, "reference.json")) as f:
            r = json.load(f)
        r["dir"] = d
        r["wav"] = os.path.join(d, "clip.wav")
        return r


# ---------------------------------------------------------------------------
# Audio
# ---------------------------------------------------------------------------

def read_wav(path):
    """The samples of a 16 kHz 16-bit mono WAV, as bytes."""
    with wave.open(path, "rb") as w:
        check(w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == SR,
              f"{path}: not 16 kHz 16-bit mono")
        return w.readframes(w.getnframes())


def write_wav(path, pcm):
    """Writes @pcm (16-bit little-endian samples, bytes) as a 16 kHz mono WAV."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def main(cases, description, required=(), optional=(), setup=None, argv=None):
    """Parses the command line: the options named in @required and @optional (each
    takes a value: "--w2vee PATH"), then the names of the cases to run, of @cases
    (name -> function of the context), all of them in order when none is named.
    Makes the context with @setup(args) (args itself without @setup), runs the
    cases and exits with 0, 1 (a failure: the later cases are not run, they may
    depend on it) or 77 (every case run was skipped). Scratch folders are removed
    at the end."""
    parser = argparse.ArgumentParser(description=description)
    for name in required:
        parser.add_argument(name, required=True)
    for name in optional:
        parser.add_argument(name)
    parser.add_argument("cases", nargs="*", metavar="CASE",
                        help="cases to run (default: all): " + ", ".join(cases))
    args = parser.parse_args(argv)
    unknown = [c for c in args.cases if c not in cases]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(cases)}")
    names = args.cases or list(cases)
    passed, skipped = [], []
    current = "setup"
    try:
        ctx = setup(args) if setup else args
        for current in names:
            try:
                cases[current](ctx)
            except Skip as s:
                print(f"SKIP: {current}: {s}")
                skipped.append(current)
                continue
            print(f"PASS: {current}")
            passed.append(current)
    except Skip as s:  # from setup: nothing can run here
        print(f"SKIP: {s}")
        print(f"summary: SKIP ({len(names)} not run)")
        sys.exit(SKIP_STATUS)
    except Failure as f:
        ran = len(passed) + len(skipped) + (current != "setup")
        print(f"FAIL: {current}: {f}")
        print(f"summary: FAIL in {current} ({len(passed)} passed, {len(skipped)} skipped, "
              f"{len(names) - ran} not run)")
        sys.exit(1)
    finally:
        for path in _scratch:
            if keep_scratch():
                print("kept", path)
            else:
                shutil.rmtree(path, ignore_errors=True)
        _scratch.clear()
    status = "SKIP" if skipped and not passed else "PASS"
    print(f"summary: {status} ({len(passed)} passed, {len(skipped)} skipped)")
    sys.exit(SKIP_STATUS if status == "SKIP" else 0)
