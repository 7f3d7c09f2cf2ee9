#!/usr/bin/env bash
# The GPU check (under 5 minutes): CUDA-marked tests, verify on CUDA, the optimizer benchmark.
# Run from the repository root on a machine with a CUDA GPU and torch installed.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA'; print(torch.__version__, torch.cuda.get_device_name())" || exit 1
python3 -m pip install --quiet --no-deps -e . 2>/dev/null || export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 -m pip install --quiet pytest hypothesis libcst flake8 2>/dev/null || true
status=0
echo "== pytest -m cuda"
python3 -m pytest -q -m cuda tests/test_optim.py tests/test_runtime.py || status=1
echo "== adamw-lint verify --device cuda"
python3 -m adamw_lint verify --device cuda --steps 1000 || status=1
echo "== optimizer benchmark (CUDA)"
python3 bench/bench_optim.py --device cuda --sizes 10e6,100e6 --steps 20 || status=1
exit $status
