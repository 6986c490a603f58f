#!/usr/bin/env python3
"""tests/tools/check_layering.py on synthetic trees, with the real tests/tools/layering.txt.

Every rule of README "Architecture" is broken on purpose, once per file, in a
scratch tree: the checker must exit 1 and name each file, line and rule; the
same tree without the bad includes must pass. (ctest: layering.checker)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECKER = os.path.join(SOURCE_DIR, 'tests', 'tools', 'check_layering.py')
RULES = os.path.join(SOURCE_DIR, 'tests', 'tools', 'layering.txt')

# Includes every layer may make today (the allowed edges).
GOOD = {
    'renderers/common/utf8.cc': ['"renderers/common/utf8.h"', '<string>', '"absl/strings/str_cat.h"'],
    'renderers/doc/document.h': ['"renderers/common/field_error.h"', '"absl/time/civil_time.h"'],
    'renderers/text/font_set.cc': ['"renderers/text/font_set.h"', '"renderers/doc/document.h"',
                                   '"renderers/common/utf8.h"'],
    'renderers/layout/flow.cc': ['"renderers/layout/flow.h"', '"renderers/text/line_breaker.h"',
                                 '"renderers/doc/document.h"', '"renderers/common/pdf_text.h"'],
    'renderers/pdf/painter.cc': ['"renderers/pdf/painter.h"', '"renderers/layout/page_layout.h"',
                                 '<hpdf.h>', '<zlib.h>', '"renderers/pdf/hpdf_internals.h"'],
    'renderers/pdf/hpdf_internals.cc': ['<hpdf.h>', '<hpdf_font.h>', '<hpdf_objects.h>'],
    'renderers/renderer.cc': ['"renderers/renderer.h"', '"renderers/pdf/painter.h"',
                              '"renderers/layout/compose.h"'],
    'service/request_converter.cc': ['"service/request_converter.h"', '"panelpaper/v1/paper.pb.h"',
                                     '"renderers/doc/document.h"', '"google/protobuf/message.h"'],
    'service/paper_service.cc': ['"grpcpp/grpcpp.h"', '"renderers/renderer.h"',
                                 '"panelpaper/v1/paper_service.grpc.pb.h"'],
    'tests/pdf/painter_test.cc': ['<hpdf.h>', '<hpdf_fontdef.h>', '"renderers/pdf/painter.h"'],
    'tests/service/paper_service_test.cc': ['"service/paper_service.h"', '"tests/testing/builders.h"'],
    'examples/cpp_client.cc': ['"grpcpp/grpcpp.h"', '"panelpaper/v1/paper_service.grpc.pb.h"'],
}

# One forbidden include per file: (file, include, words the message must hold).
BAD = [
    ('renderers/layout/bad_proto.cc', '"panelpaper/v1/paper.pb.h"', ['module renderers/layout may include only']),
    ('renderers/layout/bad_proto2.h', '<panelpaper/v1/pack.pb.h>', ['*.pb.h never in renderers/*']),
    ('renderers/text/bad_back_edge.h', '"renderers/layout/flow.h"', ['module renderers/text may include only']),
    ('renderers/common/bad_up.cc', '"renderers/doc/document.h"', ['module renderers/common may include only']),
    ('renderers/layout/bad_painter.cc', '"renderers/pdf/painter.h"', ['module renderers/layout may include only']),
    ('renderers/pdf/bad_facade.cc', '"renderers/renderer.h"', ['module renderers/pdf may include only']),
    ('renderers/bad_service.cc', '"service/log.h"', ['module renderers may include only']),
    ('renderers/layout/bad_hpdf.cc', '<hpdf.h>', ['hpdf.h only in renderers/pdf/*']),
    ('renderers/bad_hpdf.cc', '<hpdf.h>', ['hpdf.h only in']),
    ('service/bad_hpdf.cc', '"hpdf.h"', ['hpdf.h only in']),
    ('renderers/pdf/bad_internals.cc', '<hpdf_objects.h>', ['hpdf_*.h only in renderers/pdf/hpdf_internals.h']),
    ('renderers/pdf/bad_zlib_elsewhere.h', '<hpdf_font.h>', ['hpdf_*.h only in']),
    ('renderers/doc/bad_grpc.h', '<grpcpp/grpcpp.h>', ['grpcpp/* never in renderers/*']),
    ('renderers/pdf/bad_protobuf.cc', '"google/protobuf/message.h"', ['never in renderers/*']),
    ('service/request_converter.cc', '"grpcpp/grpcpp.h"', ['grpcpp/* never in service/request_converter.*']),
    ('service/word_guard.h', '<grpcpp/support/status.h>', ['never in']),
    ('service/bad_tests.cc', '"tests/testing/builders.h"', ['module service may include only']),
    ('examples/bad_internal.cc', '"service/log.h"', ['module examples may include only']),
    ('layout_outside/x.cc', '"renderers/common/utf8.h"', []),  # not scanned: no violation expected
]


def write(root, rel, includes):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'a', encoding='utf-8') as f:
        f.write('// synthetic\n')
        for inc in includes:
            f.write(f'#include {inc}\n')


def run(root):
    return subprocess.run([sys.executable, CHECKER, '--root', root, '--rules', RULES],
                          capture_output=True, text=True)


class LayeringCheckerTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='layering-')
        for rel, includes in GOOD.items():
            write(self.root, rel, includes)

    def tearDown(self):
        shutil.rmtree(self.root)

    def test_allowed_edges_pass(self):
        r = run(self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_every_forbidden_include_is_named(self):
        for rel, inc, _ in BAD:
            write(self.root, rel, [inc])
        r = run(self.root)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        for rel, inc, words in BAD:
            hits = [l for l in lines if l.startswith(rel + ':')]
            if not words:
                self.assertEqual(hits, [], f'{rel} is outside the scanned folders')
                continue
            self.assertTrue(hits, f'{rel}: #include {inc} not reported:\n{r.stdout}')
            for w in words:
                self.assertTrue(any(w in h for h in hits), f'{rel}: "{w}" not in {hits}')
            self.assertTrue(all('layering.txt:' in h for h in hits), hits)
        self.assertIn('forbidden include(s)', r.stderr)
        # Only the bad files are reported: the allowed edges stay quiet.
        bad_files = {rel for rel, _, words in BAD if words}
        self.assertEqual({l.split(':', 1)[0] for l in lines}, bad_files)

    def test_each_bad_include_alone_fails(self):
        # One violation is enough to fail: no rule is masked by another.
        for rel, inc, words in BAD:
            if not words:
                continue
            with self.subTest(rel=rel):
                root = tempfile.mkdtemp(prefix='layering-one-')
                try:
                    for g, includes in GOOD.items():
                        write(root, g, includes)
                    write(root, rel, [inc])
                    r = run(root)
                    self.assertEqual(r.returncode, 1, f'{rel}: {inc}\n{r.stdout}{r.stderr}')
                    self.assertIn(f'{rel}:', r.stdout)
                finally:
                    shutil.rmtree(root)

    def test_malformed_rules_are_refused(self):
        bad_rules = os.path.join(self.root, 'bad.txt')
        with open(bad_rules, 'w', encoding='utf-8') as f:
            f.write('scan renderers\nmodule renderers/common renderers/common\n')
        r = subprocess.run([sys.executable, CHECKER, '--root', self.root, '--rules', bad_rules],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn('bad.txt:2', r.stderr)


if __name__ == '__main__':
    unittest.main()
