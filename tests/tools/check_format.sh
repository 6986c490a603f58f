#!/usr/bin/env bash
# Checks that every C++ and .proto line changed since the formatter arrived
# is formatted as .clang-format says (Debian 12's clang-format 14, through
# git clang-format: changed lines only, no wholesale reformat).
#
#   tests/tools/check_format.sh [--repo DIR] [BASE]   check; exit 1 and print the fix
#   tests/tools/check_format.sh [--repo DIR] --base   print the base commit
#
# BASE defaults to $FORMAT_BASE, else the commit of HEAD's first-parent
# history that added .clang-format: on main, the merge that brought it in,
# so everything merged or committed since is checked (working-tree changes
# too). Works on a clean clone holding only main; a shallow clone without
# that commit is refused with the command to deepen it. ctest:
# format.changed_lines (this tree) and format.checker (tests/tools/format_test.py).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
print_base=0
base="${FORMAT_BASE:-}"
while (($#)); do
  case "$1" in
    --repo) repo="$2"; shift 2 ;;
    --base) print_base=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) base="$1"; shift ;;
  esac
done
cd "$repo"
export GIT_PAGER=cat

clang_format=$(command -v clang-format-14 || command -v clang-format || true)
git_clang_format=$(command -v git-clang-format-14 || command -v git-clang-format || true)
if [ -z "$clang_format" ] || [ -z "$git_clang_format" ]; then
  echo "check_format: clang-format (14) not found: apt-get install clang-format" >&2
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "check_format: $repo is not a git checkout: nothing to compare with" >&2
  exit 77
fi

if [ -z "$base" ]; then
  base=$(git rev-list --first-parent --reverse HEAD -- .clang-format | head -n 1)
  if [ -z "$base" ]; then
    echo "check_format: no commit on HEAD's first-parent history adds .clang-format" >&2
    exit 2
  fi
  # In a shallow clone the oldest commit present seems to add every file.
  shallow=$(git rev-parse --git-path shallow)
  if [ -f "$shallow" ] && grep -qx "$base" "$shallow"; then
    echo "check_format: shallow clone: the commit that added .clang-format is not here" >&2
    echo "  run: git fetch --unshallow   (or set FORMAT_BASE=<commit>)" >&2
    exit 2
  fi
fi
if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "check_format: base $base is not a commit here (git fetch --unshallow?)" >&2
  exit 2
fi
if ((print_base)); then
  echo "$base"
  exit 0
fi

out=$("$git_clang_format" --binary "$clang_format" --style file --extensions cc,h,proto --diff "$base" -- 2>&1)
case "$out" in
  "no modified files to format" | "clang-format did not modify any files" | "")
    echo "check_format: lines changed since $(git rev-parse --short "$base") are formatted"
    exit 0 ;;
esac
echo "$out"
echo "check_format: lines changed since $(git rev-parse --short "$base") are not formatted as .clang-format says." >&2
echo "  fix: git clang-format-14 --extensions cc,h,proto $base   (formats only the changed lines; then commit)" >&2
exit 1
