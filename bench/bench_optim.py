"""Optimizer benchmarks: prints figures, asserts nothing.

    python bench/bench_optim.py [--device cpu|cuda] [--sizes 10e6,100e6] [--steps N]
                                [--calibration-sizes 10e6,100e6]

1. Step time of the reference AdamW (fused and foreach) against torch.optim.AdamW (fused and
   foreach), as ms/step, GB/s and % of the copy bandwidth measured here (``dst.copy_(src)`` on a
   256 MiB tensor): an fp32 AdamW step reads p, g, m, v and writes p, m, v, i.e. 28 bytes per
   parameter.
2. Calibration overhead: an Adam step (foreach, coupled weight decay) while
   ``runtime.calibrate()`` measures it, against the same step without, at each calibration size.
3. The per-step overhead of ``adamw_lint.runtime.install()`` after an optimizer's first step.

Each figure is the best of 5 rounds: on a shared machine other work only ever adds time.

Needs torch only (not libcst or flake8): run it from the source tree.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the source tree

from adamw_lint import runtime  # noqa: E402
from adamw_lint.optim import AdamW  # noqa: E402

BYTES_PER_PARAM = 28


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _params(n: int, device: torch.device) -> list:
    # a few tensors rather than one: foreach batching matters
    sizes = [n // 4, n // 4, n // 4, n - 3 * (n // 4)]
    params = [torch.nn.Parameter(torch.randn(s, device=device)) for s in sizes]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    return params


def _per_step(optimizer, device: torch.device, steps: int, rounds: int = 5) -> float:
    """Seconds per step: the best of ``rounds`` rounds of ``steps`` steps (a shared machine's other
    work only ever adds time). Keep ``steps`` a multiple of 8, so that every round of a calibrating
    optimizer holds the same number of measured steps."""
    for _ in range(2):  # state allocated, kernels loaded
        optimizer.step()
    best = float("inf")
    for _ in range(rounds):
        _sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            optimizer.step()
        _sync(device)
        best = min(best, (time.perf_counter() - start) / steps)
    return best


def copy_bandwidth(device: torch.device) -> float:
    """Bytes per second of ``dst.copy_(src)`` (read + write) on a 256 MiB tensor."""
    src = torch.empty(2**26, device=device)
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    _sync(device)
    start = time.perf_counter()
    for _ in range(20):
        dst.copy_(src)
    _sync(device)
    return 2 * src.numel() * 4 * 20 / (time.perf_counter() - start)


def step_times(device: torch.device, sizes, steps: int, copy: float) -> None:
    variants = [  # torch's fused first: the reference's fused path is compared with it
        ("torch AdamW fused", lambda p: torch.optim.AdamW(p, fused=True)),
        ("reference AdamW fused", lambda p: AdamW(p, fused=True)),
        ("torch AdamW foreach", lambda p: torch.optim.AdamW(p, foreach=True)),
        ("reference AdamW foreach", lambda p: AdamW(p, foreach=True)),
    ]
    print(f"{'params':>8} {'variant':<24} {'ms/step':>9} {'vs torch':>9} {'GB/s':>8} {'% copy':>7}")
    for size in sizes:
        baselines = {}
        for name, make in variants:
            params = _params(size, device)
            try:
                seconds = _per_step(make(params), device, steps)
            except (RuntimeError, TypeError) as error:
                print(f"{size:>8.0e} {name:<24} {'n/a':>9}  ({str(error).splitlines()[0][:50]})")
                continue
            finally:
                del params
            kind = name.split()[-1]
            ratio = f"{seconds / baselines[kind]:.2f}x" if kind in baselines else ""
            baselines.setdefault(kind, seconds)
            rate = BYTES_PER_PARAM * size / seconds
            print(f"{size:>8.0e} {name:<24} {seconds * 1e3:>9.2f} {ratio:>9} {rate / 1e9:>8.1f} "
                  f"{100 * rate / copy:>6.0f}%")


def calibration_overhead(device: torch.device, sizes, steps: int) -> None:
    print(f"{'params':>8} {'Adam step ms':>13} {'calibrating ms':>15} {'ratio':>6} {'every step ms':>14} {'ratio':>6}")
    for size in sizes:
        params = _params(size, device)
        plain = _per_step(torch.optim.Adam(params, weight_decay=1e-2, foreach=True), device, steps)
        watched = []
        for every in (None, 1):  # the default (every 8th step of the window), and every step
            optimizer = torch.optim.Adam(params, weight_decay=1e-2, foreach=True)
            extra = {} if every is None else {"every": every}
            calibration = runtime.calibrate(optimizer, steps=10**9, warmup=0, **extra)
            watched.append(_per_step(optimizer, device, steps))
            calibration.stop()
        print(f"{size:>8.0e} {plain * 1e3:>13.2f} {watched[0] * 1e3:>15.2f} {watched[0] / plain:>5.2f}x "
              f"{watched[1] * 1e3:>14.2f} {watched[1] / plain:>5.2f}x")
        del params


def install_overhead(device: torch.device) -> None:
    params = _params(10_000, device)
    optimizer = torch.optim.AdamW(params)
    for label, hooked in (("without install()", False), ("with install()", True)):
        handle = runtime.install() if hooked else None
        per_step = _per_step(optimizer, device, 400)
        print(f"10k-param AdamW step {label:<18} {per_step * 1e6:8.1f} µs")
        if handle:
            handle.remove()


def _sizes(text: str) -> list:
    return [int(float(s)) for s in text.split(",") if s]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", default="10e6,100e6", help="parameter counts for the step times")
    parser.add_argument("--calibration-sizes", default="10e6,100e6", help="parameter counts for the calibration")
    parser.add_argument("--steps", type=int, default=8, help="steps per round (best of 5 rounds)")
    args = parser.parse_args()
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    copy = copy_bandwidth(device)
    print(f"device: {device} ({name}), torch {torch.__version__}, best of 5 rounds of {args.steps} steps, "
          f"copy bandwidth {copy / 1e9:.1f} GB/s")
    if _sizes(args.sizes):
        step_times(device, _sizes(args.sizes), args.steps, copy)
    if _sizes(args.calibration_sizes):
        print()
        calibration_overhead(device, _sizes(args.calibration_sizes), args.steps)
    print()
    install_overhead(device)


if __name__ == "__main__":
    main()
