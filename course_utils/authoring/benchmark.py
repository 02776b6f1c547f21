"""Time the NumPy cells against torch.nn on the CPU: ``python -m course_utils.authoring.benchmark [--json]``.

Shape T=100, B=32, D=64, H=128, float32 (``--quick``: a tiny shape and 3 repeats, for a smoke
test). Both libraries run with the same number of threads (``--threads``, default 1: torch via
``torch.set_num_threads``, NumPy's OpenBLAS through its own API or the environment), and the
runs of all cells, passes and both libraries are interleaved in one loop; each figure is the
median over ``--repeats`` runs. "forward" compares a forward that keeps what backward needs
(the scratch cache, torch's autograd graph); "forward+backward" adds BPTT with an upstream
gradient for every hidden state, including the gradients for x and h0 on both sides.
``--clock cpu`` times process CPU time instead of wall time (steadier on a shared machine);
``--keep-memory`` stops glibc returning freed memory, which removes NumPy's first-touch page
faults (the default leaves the allocator alone).
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import statistics
import sys
import time

__all__ = ["FULL", "QUICK", "keep_freed_memory", "numpy_blas_threads", "activation_forms", "run", "format_table",
           "main"]

FULL = dict(T=100, B=32, D=64, H=128)
QUICK = dict(T=5, B=2, D=3, H=4)


def _parse(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course_utils.authoring.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--repeats", type=int, default=21, help="timed runs per figure (median; default 21)")
    parser.add_argument("--quick", action="store_true", help="tiny shape, 3 repeats: checks that it runs")
    parser.add_argument("--threads", type=int, default=1, help="threads for torch and NumPy's BLAS (default 1)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: perf_counter (default); cpu: process CPU time, steadier on a busy machine")
    parser.add_argument("--keep-memory", action="store_true",
                        help="ask glibc to keep freed memory (mallopt), so NumPy's large arrays stop paying "
                             "first-touch page faults on every run; off by default")
    parser.add_argument("--activations", action="store_true",
                        help="time the LSTM's gate activations only: one tanh (lstm.sigmoid_via_tanh) "
                             "against exp sigmoids")
    return parser.parse_args(argv)


def keep_freed_memory() -> bool:
    """glibc only: raise M_TRIM_THRESHOLD and M_MMAP_THRESHOLD so freed blocks are reused, not returned.

    Without it, each scratch forward+backward allocates ~20 MB that the kernel must map and zero
    again (thousands of minor page faults); torch's allocator pattern already avoids that here.
    Returns False where mallopt is not available.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(-1, 1 << 30) and libc.mallopt(-3, 1 << 29))   # M_TRIM_, M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return False


def numpy_blas_threads(n: int | None = None) -> int | None:
    """Set (when ``n`` is given) and return the thread count of the OpenBLAS bundled with NumPy.

    Returns None when that library is not found (another BLAS); the thread count then follows
    the environment (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS).
    """
    import numpy as np
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for suffix in ("64_", "_64_", ""):
            getter = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None) or \
                getattr(lib, f"openblas_get_num_threads{suffix}", None)
            setter = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None) or \
                getattr(lib, f"openblas_set_num_threads{suffix}", None)
            if getter and setter:
                if n is not None:
                    setter(ctypes.c_int(n))
                return int(getter())
    return None


def _cases(shape, seed=0):
    """For each kind: (kind, scratch forward, scratch forward+backward, torch forward, torch forward+backward)."""
    import numpy as np
    import torch

    from course_utils.cells.bridge import cell_backward, cell_forward, from_torch, torch_classes
    T, B, D, H = shape["T"], shape["B"], shape["D"], shape["H"]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    dh = rng.standard_normal((T, B, H)).astype(np.float32)
    h0 = rng.standard_normal((B, H)).astype(np.float32)
    cases = []
    for kind, (cls, _cell) in torch_classes().items():
        torch.manual_seed(seed)
        module = cls(D, H)
        params = from_torch(module)
        state0 = (h0, h0) if kind == "lstm" else h0
        x_t, dh_t = torch.tensor(x, requires_grad=True), torch.tensor(dh)
        s_t = torch.tensor(h0[None], requires_grad=True)
        torch_state = (s_t, s_t) if kind == "lstm" else s_t

        def scratch_fwd(params=params, state0=state0):
            return cell_forward(x, state0, params)

        def scratch_fwd_bwd(params=params, state0=state0):
            h, _, cache = cell_forward(x, state0, params)
            return cell_backward(dh, cache)

        def torch_fwd(module=module, torch_state=torch_state):
            return module(x_t, torch_state)

        def torch_fwd_bwd(module=module, torch_state=torch_state):
            module.zero_grad(set_to_none=True)
            x_t.grad = s_t.grad = None
            out, _ = module(x_t, torch_state)
            out.backward(dh_t)

        cases.append((kind, scratch_fwd, scratch_fwd_bwd, torch_fwd, torch_fwd_bwd))
    return cases


def activation_forms(shape=FULL, repeats: int = 21, threads: int = 1, clock: str = "wall") -> dict:
    """Time the LSTM's gate activations (2)-(3) over T steps of (B, 4H) float32 blocks, two ways.

    "one tanh": what ``lstm.py`` does (``lstm.sigmoid_via_tanh``): tanh over the whole block, then
    ``* scale + shift``; "exp sigmoids": σ(a) = 1 / (1 + exp(-a)) on the i, f and o slices and
    tanh on g, each in place. Returns the medians in ms and their ratio (exp / tanh).
    """
    import numpy as np

    from course_utils.cells.lstm import sigmoid_via_tanh
    numpy_blas_threads(threads)
    T, B, H = shape["T"], shape["B"], shape["H"]
    rng = np.random.default_rng(0)
    blocks = rng.standard_normal((T, B, 4 * H)).astype(np.float32)
    scale, shift = sigmoid_via_tanh(H, np.float32)
    work = np.empty((B, 4 * H), dtype=np.float32)

    def one_tanh():
        for a in blocks:
            np.tanh(a, out=work)
            np.multiply(work, scale, out=work)
            np.add(work, shift, out=work)

    def exp_sigmoids():
        for a in blocks:
            for k in (0, 1, 3):
                s = work[:, k * H:(k + 1) * H]
                np.negative(a[:, k * H:(k + 1) * H], out=s)
                np.exp(s, out=s)
                s += 1.0
                np.reciprocal(s, out=s)
            np.tanh(a[:, 2 * H:3 * H], out=work[:, 2 * H:3 * H])

    timer = time.process_time if clock == "cpu" else time.perf_counter
    samples = {"one tanh": [], "exp sigmoids": []}
    for r in range(repeats + 2):
        for name, fn in (samples.items() if r % 2 else reversed(samples.items())):
            ms = _time_ms(one_tanh if name == "one tanh" else exp_sigmoids, timer)
            if r >= 2:
                fn.append(ms)
    out = {name: round(statistics.median(v), 3) for name, v in samples.items()}
    out["ratio"] = round(out["exp sigmoids"] / out["one tanh"], 3)
    return out


def _time_ms(fn, clock=time.perf_counter) -> float:
    start = clock()
    fn()
    return 1e3 * (clock() - start)


def run(shape=FULL, repeats: int = 21, threads: int = 1, keep_memory: bool = False,
        clock: str = "wall") -> tuple[list[dict], dict]:
    """Interleaved timings; returns (rows, info) with rows as printed by ``--json``."""
    import torch
    kept = keep_memory and keep_freed_memory()
    torch.set_num_threads(threads)
    blas = numpy_blas_threads(threads)
    cases = _cases(shape)
    passes = [("forward", 1, 3), ("forward+backward", 2, 4)]
    timer = time.process_time if clock == "cpu" else time.perf_counter
    samples = {(c[0], name): ([], []) for c in cases for name, _, _ in passes}
    for r in range(repeats + 2):                      # the first two rounds warm up
        for case in cases:
            for name, i_scratch, i_torch in passes:
                order = (0, 1) if r % 2 else (1, 0)   # alternate who goes first
                for side in order:
                    ms = _time_ms(case[i_scratch] if side == 0 else case[i_torch], timer)
                    if r >= 2:
                        samples[(case[0], name)][side].append(ms)
    rows = []
    for (kind, name), (scratch, torch_ms) in samples.items():
        s, t = statistics.median(scratch), statistics.median(torch_ms)
        rows.append({"kind": kind, "pass": name, "scratch_ms": round(s, 3), "torch_ms": round(t, 3),
                     "ratio": round(s / t, 3)})
    info = {**shape, "dtype": "float32", "repeats": repeats, "torch_threads": torch.get_num_threads(),
            "numpy_blas_threads": blas if blas is not None else os.environ.get("OPENBLAS_NUM_THREADS", "unknown"),
            "keep_memory": kept, "clock": clock}
    return rows, info


def format_table(rows, info) -> str:
    """The rows of :func:`run` as the printed table, under a line naming the shape and settings."""
    lines = [f"T={info['T']} B={info['B']} D={info['D']} H={info['H']} {info['dtype']}, median of "
             f"{info['repeats']} interleaved runs ({info.get('clock', 'wall')} clock), "
             f"torch threads {info['torch_threads']}, "
             f"numpy BLAS threads {info['numpy_blas_threads']}"
             + (", freed memory kept (mallopt)" if info.get("keep_memory") else ""),
             f"{'kind':<5} {'pass':<17} {'scratch ms':>10} {'torch ms':>9} {'ratio':>6}"]
    lines += [f"{r['kind']:<5} {r['pass']:<17} {r['scratch_ms']:>10.2f} {r['torch_ms']:>9.2f} {r['ratio']:>6.2f}"
              for r in rows]
    return "\n".join(lines)


def main(argv=None):
    """The command line: the table (or ``--json``), or ``--activations``."""
    args = _parse(argv)
    shape, repeats = (QUICK, 3) if args.quick else (FULL, args.repeats)
    if args.activations:
        forms = activation_forms(shape, max(1, repeats), args.threads, args.clock)
        print(json.dumps(forms) if args.json else
              f"LSTM gate activations over T={shape['T']} steps of (B={shape['B']}, 4H={4 * shape['H']}) float32, "
              f"median of {max(1, repeats)} runs: one tanh {forms['one tanh']:.2f} ms, exp sigmoids "
              f"{forms['exp sigmoids']:.2f} ms, ratio {forms['ratio']:.2f}")
        return
    rows, info = run(shape, max(1, repeats), args.threads, args.keep_memory, args.clock)
    print(json.dumps(rows) if args.json else format_table(rows, info))


if __name__ == "__main__":
    if "numpy" not in sys.modules:       # BLAS thread count through the environment, as a fallback
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, str(_parse().threads))
    main()
