#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""libw2vee's installed API is exactly what include/w2vee/ declares with W2VEE_API.

  check-exports.py --nm NM LIBRARY HEADER_DIR

Runs `NM -D --defined-only LIBRARY` and fails, listing them, on every defined dynamic
symbol that no W2VEE_API declaration in HEADER_DIR/*.h names, and on every W2VEE_API
declaration the library does not define. Prints the number of exported symbols.

  check-exports.py --self-test --nm NM LIBRARY HEADER_DIR

Checks the checker: on copies of the headers with one W2VEE_API removed and one bogus
W2VEE_API declaration added, it must report both names and fail.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile


def declared(header_dir):
    """Names of the functions and variables declared with W2VEE_API."""
    names = set()
    for name in sorted(os.listdir(header_dir)):
        if not name.endswith(".h"):
            continue
        with open(os.path.join(header_dir, name), encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"^\s*#.*?(?<!\\)$", " ", text, flags=re.M | re.S)
        for decl in re.findall(r"\bW2VEE_API\b([^;{]*)", text):
            head = decl.split("(", 1)[0] if "(" in decl else decl
            ident = re.findall(r"[A-Za-z_]\w*", head)
            if ident:
                names.add(ident[-1])
    return names


def exported(nm, library):
    """Names of the defined dynamic symbols of @library."""
    out = subprocess.run([nm, "-D", "--defined-only", library], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            names.add(fields[2].split("@", 1)[0])
    return names


def check(nm, library, header_dir, out=sys.stdout):
    api = declared(header_dir)
    syms = exported(nm, library)
    extra = sorted(syms - api)
    missing = sorted(api - syms)
    ok = bool(api) and bool(syms) and not extra and not missing
    print(f"{library}: {len(syms)} exported symbols, {len(api)} W2VEE_API declarations "
          f"in {header_dir}", file=out)
    for name in extra:
        print(f"  exported but not declared with W2VEE_API: {name}", file=out)
    for name in missing:
        print(f"  declared with W2VEE_API but not exported: {name}", file=out)
    if not api or not syms:
        print("  nothing found: wrong header folder or library?", file=out)
    return ok, extra, missing


def self_test(nm, library, header_dir):
    with tempfile.TemporaryDirectory() as tmp:
        for name in os.listdir(header_dir):
            if name.endswith(".h"):
                shutil.copy(os.path.join(header_dir, name), tmp)
        path = os.path.join(tmp, "w2vee.h")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text, n = re.subn(r"W2VEE_API (GQuark w2vee_error_quark)", r"\1", text)
        assert n == 1, "w2vee_error_quark is no longer declared as expected"
        text += "\nW2VEE_API void w2vee_not_in_the_library (int x);\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        ok, extra, missing = check(nm, library, tmp, out=sys.stderr)
    if ok or extra != ["w2vee_error_quark"] or missing != ["w2vee_not_in_the_library"]:
        print(f"self-test FAILED: ok={ok} extra={extra} missing={missing}")
        return 1
    print("self-test: both the undeclared export and the missing symbol were reported")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("library")
    ap.add_argument("header_dir")
    a = ap.parse_args()
    if a.self_test:
        return self_test(a.nm, a.library, a.header_dir)
    ok, _, _ = check(a.nm, a.library, a.header_dir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
