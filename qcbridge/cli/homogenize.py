"""`qcbridge homogenize`: the effective conductivity or stiffness of a periodic phase image.

Phase data, one ``--phase LABEL=SPEC`` per label:

- ``0=2.5``: isotropic conductivity (any unit; the result is in the same unit);
- ``0=cond:KXX,KYY[,KZZ]``: a diagonal (orthotropic) conductivity;
- ``0=iso:E,NU``: isotropic elastic phase, Young's modulus in GPa and Poisson's ratio;
- ``0=cubic:C11,C12,C44[@DEG]``: cubic crystal, GPa, optionally turned by DEG degrees about z;
- ``0=voigt:FILE.npy``: a Voigt stiffness matrix in GPa (3x3 plane strain in 2D, or 6x6).

2D elastic images are in plane strain (the 3x3 xx yy xy block of a 3D stiffness).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _cubic(text: str) -> np.ndarray:
    from ..tensors import cubic_stiffness, rotate_tensor4, stiffness_to_voigt, voigt_to_stiffness

    constants, _, angle = text.partition("@")
    c11, c12, c44 = _numbers(constants, 3)
    C = cubic_stiffness(c11, c12, c44)
    if angle:
        t = np.radians(float(angle))
        R = np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])
        C = stiffness_to_voigt(rotate_tensor4(voigt_to_stiffness(C), R))
    return C


def _numbers(text: str, count: int | tuple[int, ...]) -> list[float]:
    values = [float(v) for v in text.split(",")]
    if len(values) not in ((count,) if isinstance(count, int) else count):
        raise ValueError(f"expected {count} comma-separated numbers, got {text!r}")
    return values


def parse_phase(spec: str, dim: int) -> tuple[int, str, np.ndarray]:
    """``LABEL=SPEC`` to (label, kind, data): kind ``conductivity`` (a (d, d) tensor) or
    ``elasticity`` (a Voigt matrix for the image's dimension, GPa)."""
    label_text, sep, value = spec.partition("=")
    if not sep or not label_text.strip().isdigit():
        raise ValueError(f"--phase {spec!r}: write LABEL=SPEC, e.g. 0=2.5 or 1=iso:70,0.33")
    kind, _, body = value.partition(":") if ":" in value else ("", "", value)
    try:
        if kind == "":
            return int(label_text), "conductivity", float(body) * np.eye(dim)
        if kind == "cond":
            return int(label_text), "conductivity", np.diag(_numbers(body, dim))
        if kind == "iso":
            from ..tensors import isotropic_stiffness

            C = isotropic_stiffness(*_numbers(body, 2))
        elif kind == "cubic":
            C = _cubic(body)
        elif kind == "voigt":
            C = np.load(body, allow_pickle=False)
            if C.shape == (3, 3) and dim == 2:
                return int(label_text), "elasticity", C
        else:
            raise ValueError(f"unknown kind {kind!r}; choose a number, cond:, iso:, cubic: or voigt:")
    except (ValueError, OSError) as exc:
        raise ValueError(f"--phase {spec!r}: {exc}") from exc
    if C.shape != (6, 6):
        raise ValueError(f"--phase {spec!r}: a stiffness must be 6x6 (or 3x3 plane strain in 2D), got {C.shape}")
    return int(label_text), "elasticity", C if dim == 3 else C[np.ix_([0, 1, 5], [0, 1, 5])]


def run(args: argparse.Namespace) -> int:
    from ..errors import QCBridgeError
    from ..homogenization import Scheme, homogenize_conductivity, homogenize_stiffness
    from ..io.images import read_phase_image

    try:
        if args.figure is not None and not Path(args.figure).resolve().parent.is_dir():
            raise ValueError(f"--figure {args.figure}: the folder does not exist")
        phases, levels = read_phase_image(args.image)
        dim = phases.ndim
        parsed = [parse_phase(spec, dim) for spec in args.phase]
        kinds = {kind for _, kind, _ in parsed}
        if len(kinds) != 1:
            raise ValueError("mix of conductivity and elastic phases: give every phase the same kind")
        labels = sorted(label for label, _, _ in parsed)
        if labels != list(range(len(parsed))):
            raise ValueError(f"--phase labels must be 0 .. {len(parsed) - 1}, each once; got {labels}")
        data = [d for _, _, d in sorted(parsed, key=lambda item: item[0])]
        kind = kinds.pop()
        fractions = np.bincount(phases[(phases >= 0)].ravel(), minlength=len(data)) / phases.size
        shown = ", ".join(f"label {p} (value {levels[p] if p < len(levels) else '-'}) {100 * f:.1f} %"
                          for p, f in enumerate(fractions))
        _say(f"qcbridge homogenize: {args.image}, {'x'.join(map(str, phases.shape))} ({dim}D), {shown}")
        _say(f"{kind}{' (plane strain)' if kind == 'elasticity' and dim == 2 else ''}, scheme {args.scheme}, "
             f"tol {args.tol:g}")
        t0 = time.perf_counter()

        def report(done: int, total: int) -> None:
            _say(f"  load case {done}/{total} done, {time.perf_counter() - t0:.1f} s")

        solve = homogenize_conductivity if kind == "conductivity" else homogenize_stiffness
        result = solve(phases, data, scheme=Scheme(args.scheme), tol=args.tol, max_iter=args.max_iter,
                       keep_fields=args.figure is not None, progress=report)
    except (QCBridgeError, ValueError) as exc:
        print(f"qcbridge homogenize: error: {exc}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - t0
    if kind == "elasticity":
        order = ["xx", "yy", "xy"] if dim == 2 else ["xx", "yy", "zz", "yz", "xz", "xy"]
        unit, title = "GPa", f"effective stiffness (Voigt {' '.join(order)}, GPa)"
    else:
        order, unit, title = ["x", "y", "z"][:dim], "unit of the phase data", "effective conductivity"
    if args.figure is not None:
        from ..plotting import plot_cell_fields

        plot_cell_fields(phases, result.fields[0], args.figure, kind=kind)
    if args.json:
        print(json.dumps({"problem": kind, "dim": dim, "shape": list(phases.shape), "tensor": result.tensor.tolist(),
                          "unit": unit, "components": order, "scheme": args.scheme, "tol": args.tol,
                          "iterations": list(result.iterations),
                          "residual": [float(r[-1]) for r in result.residuals],
                          "phase_fractions": fractions.tolist(), "wall_s": wall}))
        return 0
    print(title + ":")
    for row in result.tensor:
        print("  " + " ".join(f"{v:12.6g}" for v in row))
    print(f"iterations per load case: {' '.join(map(str, result.iterations))}; final residuals "
          f"{max(float(r[-1]) for r in result.residuals):.2g} (tol {args.tol:g}); {wall:.1f} s")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    ho = sub.add_parser("homogenize", help="effective conductivity or stiffness of a periodic phase image",
                        description="Solve the periodic cell problems of a voxel image by FFT (Fourier-Galerkin "
                        "conjugate gradients, or the Moulinec-Suquet basic scheme) and print the effective "
                        "tensor. " + (__doc__ or "").split("\n\n", 1)[1],
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    ho.add_argument("image", help="phase image: .npy (integer labels), .png or .tif/.tiff (grey levels -> labels "
                    "0, 1, ... in increasing grey)")
    ho.add_argument("--phase", action="append", required=True, metavar="LABEL=SPEC",
                    help="phase data of one label (repeat for every label)")
    ho.add_argument("--scheme", default="cg", choices=["cg", "basic"],
                    help="FFT scheme: Galerkin conjugate gradients or Moulinec-Suquet (default %(default)s)")
    ho.add_argument("--tol", type=float, default=1e-8, help="relative equilibrium residual (default %(default)g)")
    ho.add_argument("--max-iter", type=int, default=1000, help="iterations per load case (default %(default)s)")
    ho.add_argument("--figure", help="write a figure of the image and the local fields of the first load case")
    ho.add_argument("--json", action="store_true", help="print one JSON object")
    ho.set_defaults(func=run)
