"""``python -m adamw_lint``: the same as the ``adamw-lint`` command."""

import os
import sys

if __name__ == "__main__":
    # `python -m` puts the working directory first on sys.path: a repository's own yaml.py or
    # tomllib.py must not be imported in place of the real module (the console script never does).
    try:
        here = os.getcwd()
    except OSError:  # deleted: nothing can be imported from it, and cli.main says so
        here = None
    if sys.path and (not sys.path[0] or here is not None and os.path.abspath(sys.path[0]) == here):
        del sys.path[0]
    from adamw_lint.cli import run

    run()
