#!/usr/bin/env python3
"""Checks every #include of the source tree against tests/tools/layering.txt.

  check_layering.py [--root DIR] [--rules FILE]

Prints one line per forbidden include (file:line, the include, the rule and
its reason) and exits 1 if there is any; 0 when the tree keeps the rules;
2 when the rules file itself is malformed. Run by ctest (layering.includes);
tests/tools/layering_test.py runs it on synthetic trees that break each rule.
"""

import argparse
import fnmatch
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCE_SUFFIXES = ('.h', '.hh', '.hpp', '.cc', '.cpp', '.c', '.inc')


class RulesError(Exception):
    pass


def parse_rules(path):
    """Returns (scan dirs, modules {prefix: (allowed, reason, line)}, only, never)."""
    scan, modules, only, never = [], {}, [], []
    with open(path, encoding='utf-8') as f:
        for number, raw in enumerate(f, 1):
            line = raw.split('#', 1)[0].strip() if raw.lstrip().startswith('#') else raw.strip()
            if not line:
                continue
            body, _, reason = line.partition(' -- ')
            words = body.split()
            where = f'{path}:{number}'
            if words[0] == 'scan' and len(words) > 1:
                scan.extend(w.rstrip('/') for w in words[1:])
            elif words[0] == 'module' and len(words) > 3 and words[2] == 'may':
                modules[words[1].rstrip('/')] = ([w.rstrip('/') for w in words[3:]], reason, where)
            elif words[0] == 'only' and len(words) > 3 and words[2] == 'in':
                only.append((words[1], words[3:], reason, where))
            elif words[0] == 'never' and ':' in body:
                files, _, headers = body[len('never'):].partition(':')
                if not files.split() or not headers.split():
                    raise RulesError(f'{where}: "never FILE...: HEADER..." needs both lists')
                never.append((files.split(), headers.split(), reason, where))
            else:
                raise RulesError(f'{where}: cannot read rule: {raw.rstrip()}')
    if not scan:
        raise RulesError(f'{path}: no "scan" line')
    return scan, modules, only, never


def module_of(path, modules):
    best = None
    for prefix in modules:
        if (path == prefix or path.startswith(prefix + '/')) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def project_module(header, scan):
    """The folder an included header belongs to, or None for a system/library header."""
    if header.endswith('.pb.h'):
        return 'proto'
    for top in scan:
        if header.startswith(top + '/'):
            return header
    return None


def allowed_by(header, allowed):
    for prefix in allowed:
        if prefix == '*' or header == prefix or header.startswith(prefix + '/'):
            return True
    return False


def matches(path, globs):
    return any(fnmatch.fnmatchcase(path, g) for g in globs)


def check(root, rules_path):
    scan, modules, only, never = parse_rules(rules_path)
    violations = []
    files = 0
    for top in scan:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            for name in sorted(filenames):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, '/')
                files += 1
                module = module_of(rel, modules)
                with open(full, encoding='utf-8', errors='replace') as f:
                    for number, text in enumerate(f, 1):
                        m = INCLUDE.match(text)
                        if not m:
                            continue
                        header = m.group(2)
                        shown = f'{m.group(1)}{header}{">" if m.group(1) == "<" else chr(34)}'
                        target = project_module(header, scan) if m.group(1) == '"' or header.endswith('.pb.h') else None
                        if target is not None:
                            if module is None:
                                violations.append(f'{rel}:{number}: #include {shown}: {rel} is in no module '
                                                  f'of {rules_path} (add a "module" rule)')
                            else:
                                allowed, reason, where = modules[module]
                                if not allowed_by(target, allowed):
                                    violations.append(
                                        f'{rel}:{number}: #include {shown}: module {module} may include only '
                                        f'{" ".join(allowed)} ({where}: {reason})')
                        for glob, files_allowed, reason, where in only:
                            if fnmatch.fnmatchcase(header, glob) and not matches(rel, files_allowed):
                                violations.append(f'{rel}:{number}: #include {shown}: {glob} only in '
                                                  f'{" ".join(files_allowed)} ({where}: {reason})')
                        for file_globs, header_globs, reason, where in never:
                            hit = [g for g in header_globs if fnmatch.fnmatchcase(header, g)]
                            if hit and matches(rel, file_globs):
                                violations.append(f'{rel}:{number}: #include {shown}: {hit[0]} never in '
                                                  f'{" ".join(file_globs)} ({where}: {reason})')
    return files, violations


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default=os.path.dirname(here))
    parser.add_argument('--rules', default=None, help='default: ROOT/tests/tools/layering.txt')
    args = parser.parse_args()
    rules = args.rules or os.path.join(args.root, 'tests', 'tools', 'layering.txt')
    try:
        files, violations = check(args.root, rules)
    except (RulesError, OSError) as e:
        print(f'check_layering: {e}', file=sys.stderr)
        return 2
    if files == 0:
        print(f'check_layering: no source files under {args.root}', file=sys.stderr)
        return 2
    for v in violations:
        print(v)
    if violations:
        print(f'check_layering: {len(violations)} forbidden include(s) in {files} files '
              f'(rules: {rules}; README "Architecture")', file=sys.stderr)
        return 1
    print(f'check_layering: {files} files keep the rules of {rules}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
