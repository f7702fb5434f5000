#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Write every ```c fenced block of a Markdown file, in order, to one C file.

Used to compile-check the snippets of docs/meta.md and docs/engine.md:
usage: extract-c-blocks.py [--marked] IN.md OUT.c
With --marked, only the blocks whose fence line directly follows a line starting with
"<!-- compiled" (an HTML comment, invisible on the rendered page) are written.
"""
import sys

MARK = '<!-- compiled'


def main(src, dst, marked):
    out = ['/* Generated from %s by extract-c-blocks.py: do not edit. */\n' % src]
    inside = False
    n_blocks = 0
    previous = ''
    with open(src, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            fence = line.strip()
            if not inside and fence == '```c':
                inside = True
                keep = not marked or previous.startswith(MARK)
                if keep:
                    n_blocks += 1
                    out.append('#line %d "%s"\n' % (number + 1, src))
            elif inside and fence == '```':
                inside = False
            elif inside and keep:
                out.append(line)
            previous = fence
    if inside or n_blocks == 0:
        sys.exit('%s: %s' % (src, 'unterminated ```c block' if inside else
                             'no %s```c block' % ('marked ' if marked else '')))
    with open(dst, 'w', encoding='utf-8') as f:
        f.writelines(out)


if __name__ == '__main__':
    args = sys.argv[1:]
    marked = args[:1] == ['--marked']
    if marked:
        args = args[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    main(args[0], args[1], marked)
