"""``python -m adamw_lint``: the same as the ``adamw-lint`` command."""

import os
import sys

if __name__ == "__main__":
    # `python -m` puts the working directory first on sys.path: a repository's own yaml.py or
    # tomllib.py must not be imported in place of the real module (the console script never does).
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.path.abspath(os.curdir):
        del sys.path[0]
    from adamw_lint.cli import main

    sys.exit(main())
