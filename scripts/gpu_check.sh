#!/usr/bin/env bash
# The GPU check (under 5 minutes): CUDA-marked tests (reference AdamW, probe, calibration), the pytest
# plugin, verify on CUDA, calibration overhead on CUDA, the optimizer benchmark.
# Run from the repository root on a machine with a CUDA GPU and torch installed.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA'; print(torch.__version__, torch.cuda.get_device_name())" || exit 1
python3 -m pip install --quiet --no-deps -e . 2>/dev/null || export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 -m pip install --quiet pytest hypothesis libcst flake8 2>/dev/null || true
status=0
echo "== pytest -m cuda"
python3 -m pytest -q -m cuda tests/test_optim.py tests/test_runtime.py tests/test_calibrate.py || status=1
echo "== pytest plugin (--adamw-runtime) on a generated suite that builds CUDA optimizers"
python3 -m pytest -q -p pytester tests/test_pytest_plugin.py || status=1
suite=$(mktemp -d)
printf 'import torch\ndef test_cuda():\n    p = torch.nn.Parameter(torch.randn(8, device="cuda"))\n    opt = torch.optim.Adam([p], weight_decay=1e-4)\n    p.grad = torch.ones_like(p)\n    opt.step()\n' > "$suite/test_cuda_suite.py"
python3 -m pytest -q --adamw-runtime=error -p no:cacheprovider "$suite" > "$suite/out.txt" 2>&1
plugin_status=$?
cat "$suite/out.txt"
if [ "$plugin_status" = 1 ] && grep -q "test_cuda_suite.py:4: AWL101" "$suite/out.txt"; then
    echo "plugin on CUDA: ok (the run fails, naming the construction site)"
else
    echo "plugin on CUDA: FAIL"; status=1
fi
echo "== calibration overhead (CUDA, 10M and 100M parameters)"
python3 - <<'EOF_PY' || status=1
import time, torch
from adamw_lint import runtime
for n in (10_000_000, 100_000_000):
    params = [torch.nn.Parameter(torch.randn(n // 4, device="cuda")) for _ in range(4)]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    def timed(optimizer, steps=20):
        for _ in range(3):
            optimizer.step()
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            optimizer.step()
        torch.cuda.synchronize()
        return (time.perf_counter() - start) / steps * 1e3
    plain = timed(torch.optim.Adam(params, weight_decay=1e-2, foreach=True))
    optimizer = torch.optim.Adam(params, weight_decay=1e-2, foreach=True)
    calibration = runtime.calibrate(optimizer, steps=10_000, warmup=0)
    watched = timed(optimizer)
    calibration.stop()
    print(f"{n / 1e6:g}M params: Adam step {plain:.2f} ms, while calibrating {watched:.2f} ms "
          f"({watched / plain:.2f}x); suggested {calibration.groups()[0].suggested}")
EOF_PY
echo "== adamw-lint verify --device cuda"
python3 -m adamw_lint verify --device cuda --steps 1000 || status=1
echo "== optimizer benchmark (CUDA)"
python3 bench/bench_optim.py --device cuda --sizes 10e6,100e6 --steps 20 || status=1
exit $status
