"""Write the tabulated pair potentials kept in this folder (LAMMPS ``pair_style table``).

Run from the repository root: ``python potentials/make_tables.py``.

``Cu_morse.table``: Morse potential for Cu, D0 = 0.3429 eV, alpha = 1.3588 1/A,
r0 = 2.866 A (Girifalco & Weizer, Phys. Rev. 114, 687 (1959)), tabulated at 2000 points
uniform in r^2 from 1.5 A to the cutoff 6.0 A (keyword ``MORSE_CU``, ``RSQ`` spacing so
that ``pair_style table linear 2000`` uses the file values without re-splining).
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def morse(r, d0=0.3429, alpha=1.3588, r0=2.866):
    e = np.exp(-alpha * (r - r0))
    return d0 * (e * e - 2 * e), 2 * alpha * d0 * (e * e - e)  # energy (eV), force -dE/dr (eV/A)


def write_table(path: Path, keyword: str, species: str, mass: float, rlo: float, rhi: float, n: int) -> None:
    rsq = np.linspace(rlo * rlo, rhi * rhi, n)
    r = np.sqrt(rsq)
    e, f = morse(r)
    lines = [
        f"# qcbridge species: {species} mass: {mass}",
        "# Morse Cu (Girifalco & Weizer 1959), written by potentials/make_tables.py",
        "",
        keyword,
        f"N {n} RSQ {rlo!r} {rhi!r}",
        "",
    ]
    lines += [f"{i + 1} {ri:.17g} {ei:.17g} {fi:.17g}" for i, (ri, ei, fi) in enumerate(zip(r, e, f))]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    write_table(HERE / "Cu_morse.table", "MORSE_CU", "Cu", 63.546, 1.5, 6.0, 2000)
    print("wrote potentials/Cu_morse.table")
