#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Write every ```c fenced block of a Markdown file, in order, to one C file.

Used to compile-check the snippets of docs/meta.md: usage: extract-c-blocks.py IN.md OUT.c
"""
import sys


def main(src, dst):
    out = ['/* Generated from %s by extract-c-blocks.py: do not edit. */\n' % src]
    inside = False
    n_blocks = 0
    with open(src, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            fence = line.strip()
            if not inside and fence == '```c':
                inside = True
                n_blocks += 1
                out.append('#line %d "%s"\n' % (number + 1, src))
            elif inside and fence == '```':
                inside = False
            elif inside:
                out.append(line)
    if inside or n_blocks == 0:
        sys.exit('%s: %s' % (src, 'unterminated ```c block' if inside else 'no ```c block'))
    with open(dst, 'w', encoding='utf-8') as f:
        f.writelines(out)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
