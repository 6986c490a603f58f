#!/usr/bin/env python3
"""Every compile of our own code carries the project's warning set.

  warnings_test.py --compile-commands build/compile_commands.json \
      --source-dir SRC --binary-dir BUILD --flags "-Wall -Wextra ..."

Reads CMake's compile_commands.json (CMAKE_EXPORT_COMPILE_COMMANDS) and fails
naming each source file of the tree compiled without one of the flags
(ctest: warnings.every_target). Generated code in the build tree (protoc's
output) is exempt.
"""

import argparse
import json
import os
import shlex
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--compile-commands', required=True)
    p.add_argument('--source-dir', required=True)
    p.add_argument('--binary-dir', required=True)
    p.add_argument('--flags', required=True)
    args = p.parse_args()
    flags = args.flags.split()
    src = os.path.realpath(args.source_dir) + os.sep
    binary = os.path.realpath(args.binary_dir) + os.sep
    with open(args.compile_commands, encoding='utf-8') as f:
        commands = json.load(f)
    missing = []
    checked = 0
    for c in commands:
        path = os.path.realpath(os.path.join(c['directory'], c['file']))
        if not path.startswith(src) or path.startswith(binary):
            continue
        checked += 1
        words = set(shlex.split(c['command']) if 'command' in c else c['arguments'])
        lacking = [w for w in flags if w not in words]
        if lacking:
            out = c.get('output', '')
            missing.append(f'{os.path.relpath(path, src)} ({out}): lacks {" ".join(lacking)}')
    if checked == 0:
        print('warnings_test: no compile command of the source tree found', file=sys.stderr)
        return 1
    for m in sorted(set(missing)):
        print(m)
    if missing:
        print(f'warnings_test: {len(set(missing))} of {checked} compiles lack the warning set '
              f'({" ".join(flags)}); see PP_WARNINGS in CMakeLists.txt', file=sys.stderr)
        return 1
    print(f'warnings_test: all {checked} compiles of the tree carry {" ".join(flags)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
