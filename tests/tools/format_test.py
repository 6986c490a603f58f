#!/usr/bin/env python3
"""tests/tools/check_format.sh on scratch git repositories (ctest: format.checker).

Old hand-formatted code stays untouched; .clang-format arrives through a
merge (as it does on main); then an unformatted change - committed or not -
fails the check with the fix printed, a formatted one passes, and a shallow
clone missing the base is refused with the command to deepen it.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(SOURCE_DIR, 'tests', 'tools', 'check_format.sh')
ENV = dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@example.invalid',
           GIT_COMMITTER_NAME='t', GIT_COMMITTER_EMAIL='t@example.invalid', GIT_CONFIG_GLOBAL='/dev/null')
ENV.pop('FORMAT_BASE', None)

OLD_CODE = 'int  hand_formatted =1;   // predates .clang-format: never reformatted wholesale\n'


def git(repo, *args):
    return subprocess.run(['git', '-C', repo, *args], check=True, capture_output=True, text=True,
                          env=ENV).stdout


def check(repo):
    return subprocess.run(['bash', CHECK, '--repo', repo], capture_output=True, text=True, env=ENV)


def write(repo, name, text, mode='w'):
    with open(os.path.join(repo, name), mode, encoding='utf-8') as f:
        f.write(text)


class CheckFormatTest(unittest.TestCase):
    def setUp(self):
        if not shutil.which('git-clang-format-14') and not shutil.which('git-clang-format'):
            if os.environ.get('CI') == 'true':
                self.fail('clang-format not installed (apt-get install clang-format)')
            self.skipTest('clang-format not installed')
        self.tmp = tempfile.mkdtemp(prefix='format-')
        self.repo = os.path.join(self.tmp, 'repo')
        os.mkdir(self.repo)
        git(self.repo, 'init', '-q', '-b', 'main')
        write(self.repo, 'old.cc', OLD_CODE)
        write(self.repo, 'old.proto', 'syntax = "proto3";\nmessage   M { int32 a=1; }\n')
        git(self.repo, 'add', '.')
        git(self.repo, 'commit', '-qm', 'before the formatter')
        git(self.repo, 'checkout', '-qb', 'arch')
        shutil.copy(os.path.join(SOURCE_DIR, '.clang-format'), self.repo)
        git(self.repo, 'add', '.')
        git(self.repo, 'commit', '-qm', 'formatter')
        git(self.repo, 'checkout', '-q', 'main')
        write(self.repo, 'notes.txt', 'meanwhile on main\n')
        git(self.repo, 'add', '.')
        git(self.repo, 'commit', '-qm', 'meanwhile')
        git(self.repo, 'merge', '-q', '--no-ff', 'arch', '-m', 'merge the formatter')
        self.merge = git(self.repo, 'rev-parse', 'HEAD').strip()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def commit(self, message):
        git(self.repo, 'commit', '-qam', message)

    def test_base_is_the_merge_that_brought_clang_format(self):
        r = subprocess.run(['bash', CHECK, '--repo', self.repo, '--base'], capture_output=True,
                           text=True, env=ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), self.merge)

    def test_old_code_is_not_reformatted(self):
        r = check(self.repo)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_unformatted_commit_fails_and_formatted_passes(self):
        write(self.repo, 'old.cc', 'int   added  =  2 ;\n', 'a')
        self.commit('an unformatted line')
        r = check(self.repo)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('old.cc', r.stdout)
        self.assertIn('+int added = 2;', r.stdout)
        self.assertNotIn('-int  hand_formatted', r.stdout)  # only the changed line
        self.assertIn('git clang-format-14', r.stderr)
        # The printed fix formats that line only, and then the check passes.
        subprocess.run(['git', '-C', self.repo, 'clang-format-14', '-q', self.merge], check=True,
                       capture_output=True, env=ENV)
        self.commit('formatted')
        r = check(self.repo)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(self.repo, 'old.cc'), encoding='utf-8') as f:
            self.assertEqual(f.read(), OLD_CODE + 'int added = 2;\n')

    def test_formatted_commit_passes(self):
        write(self.repo, 'new.h', '#pragma once\n\nint Twice(int x);\n')
        git(self.repo, 'add', 'new.h')
        self.commit('a formatted header')
        r = check(self.repo)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_uncommitted_and_proto_changes_are_checked(self):
        write(self.repo, 'old.proto', 'message   N { int32 b=1; }\n', 'a')
        r = check(self.repo)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('old.proto', r.stdout)

    def test_shallow_clone_is_refused(self):
        write(self.repo, 'old.cc', 'int   added  =  2 ;\n', 'a')
        self.commit('an unformatted line')
        shallow = os.path.join(self.tmp, 'shallow')
        subprocess.run(['git', 'clone', '-q', '--depth', '1', 'file://' + self.repo, shallow],
                       check=True, capture_output=True, env=ENV)
        r = check(shallow)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn('git fetch --unshallow', r.stderr)


if __name__ == '__main__':
    unittest.main()
