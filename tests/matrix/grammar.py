"""The code that runs on targets (modules and module_utils) parses with a Python version's grammar: for the target
Pythons of the support matrix that are not on this machine (tests/matrix/versions.txt).

    python tests/matrix/grammar.py 3.9
"""

import ast
import os
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET_CODE = ("plugins/modules", "plugins/module_utils")


def main(version):
    major, minor = (int(p) for p in version.split("."))
    problems, count = [], 0
    for folder in TARGET_CODE:
        for name in sorted(os.listdir(os.path.join(TOP, folder))):
            if not name.endswith(".py"):
                continue
            path = os.path.join(TOP, folder, name)
            with open(path, encoding="utf-8") as handle:
                source = handle.read()
            count += 1
            try:
                ast.parse(source, path, feature_version=(major, minor))
            except SyntaxError as exc:
                problems.append("%s:%s: %s (Python %s grammar)" % (path, exc.lineno, exc.msg, version))
    for problem in problems:
        print(problem)
    print("%d files checked with the Python %s grammar, %d problem(s)" % (count, version, len(problems)))
    return 1 if problems or not count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
