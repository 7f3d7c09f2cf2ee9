"""Optimizer benchmarks: prints figures, asserts nothing.

    python bench/bench_optim.py [--device cpu|cuda] [--sizes 10e6,100e6] [--steps N]

Step time and peak memory of the reference AdamW (foreach) against torch.optim.AdamW (foreach,
and fused where available), and the per-step overhead of ``adamw_lint.runtime.install()`` after
an optimizer's first step. On CUDA it also reports achieved memory bandwidth: an fp32 AdamW step
reads p, g, m, v and writes p, m, v, i.e. 28 bytes per parameter.
"""

from __future__ import annotations

import argparse
import time

import torch

from adamw_lint import runtime
from adamw_lint.optim import AdamW

BYTES_PER_PARAM = 28


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _params(n: int, device) -> list:
    # a few tensors of realistic shapes rather than one: foreach batching matters
    sizes = [n // 4, n // 4, n // 4, n - 3 * (n // 4)]
    params = [torch.nn.Parameter(torch.randn(s, device=device)) for s in sizes]
    for p in params:
        p.grad = torch.randn_like(p)
    return params


def time_steps(make, n: int, device, steps: int):
    params = _params(n, device)
    optimizer = make(params)
    optimizer.step()  # allocate state
    _sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.step()
    _sync(device)
    elapsed = (time.perf_counter() - start) / steps
    state_bytes = sum(t.numel() * t.element_size() for s in optimizer.state.values() for t in s.values() if torch.is_tensor(t))
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    del optimizer, params
    return elapsed, state_bytes, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", default="10e6,100e6")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    device = torch.device(args.device)
    print(f"device: {device}, torch {torch.__version__}, threads {torch.get_num_threads()}, {args.steps} timed steps")
    variants = [  # the baseline first: the others are reported relative to it
        ("torch AdamW foreach", lambda p: torch.optim.AdamW(p, foreach=True)),
        ("reference AdamW foreach", lambda p: AdamW(p, foreach=True)),
        ("torch AdamW fused", lambda p: torch.optim.AdamW(p, fused=True)),
    ]
    print(f"{'params':>8} {'variant':<26} {'ms/step':>9} {'vs torch':>9} {'state MiB':>10} {'GB/s':>8}")
    for size in (int(float(s)) for s in args.sizes.split(",")):
        baseline = None
        for name, make in variants:
            try:
                seconds, state, peak = time_steps(make, size, device, args.steps)
            except (RuntimeError, TypeError) as error:
                print(f"{size:>8.0e} {name:<26} {'n/a':>9}  ({str(error).splitlines()[0][:50]})")
                continue
            if name == "torch AdamW foreach":
                baseline = seconds
            ratio = f"{seconds / baseline:.2f}x" if baseline and name != "torch AdamW foreach" else ""
            bandwidth = BYTES_PER_PARAM * size / seconds / 1e9
            print(f"{size:>8.0e} {name:<26} {seconds * 1e3:>9.2f} {ratio:>9} {state / 2**20:>10.0f} {bandwidth:>8.1f}")
    # install(): the hook's cost on every step after the first
    params = _params(10_000, device)
    optimizer = torch.optim.AdamW(params)
    steps = 2000
    for label, hooked in (("without install()", False), ("with install()", True)):
        handle = runtime.install() if hooked else None
        optimizer.step()
        _sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            optimizer.step()
        _sync(device)
        per_step = (time.perf_counter() - start) / steps
        print(f"10k-param AdamW step {label:<18} {per_step * 1e6:8.1f} µs")
        if handle:
            handle.remove()


if __name__ == "__main__":
    main()
