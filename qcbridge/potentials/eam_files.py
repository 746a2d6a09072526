"""Readers for the DYNAMO EAM table formats that LAMMPS reads.

Three formats (LAMMPS ``pair_style eam``, ``eam/alloy``, ``eam/fs``):

* funcfl (``*.eam``): one element; F(rho) on ``nrho`` points, the effective charge
  Z(r) and rho(r) on ``nr`` points. The pair term is phi(r) = 27.2 * 0.529 * Z(r)^2 / r
  (Hartree*Bohr -> eV*Angstrom), the convention LAMMPS uses.
* setfl (``*.eam.alloy``): N elements; per element F(rho) and rho(r); then r*phi_ij(r)
  for j <= i.
* Finnis-Sinclair (``*.eam.fs``): like setfl, but each element block has N density
  functions ``rho[a][b]``; LAMMPS takes the density at an atom of element b due to a
  neighbour of element a from ``rho[a][b]``.

Tables are stored 0-based here: value k sits at rho = k*drho or r = k*dr.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import PotentialError

__all__ = ["EAMTables", "read_eam", "read_eam_header", "FUNCFL_Z2R"]

#: Hartree * Bohr in eV * Angstrom, exactly as LAMMPS writes it (27.2 * 0.529).
FUNCFL_Z2R = 27.2 * 0.529


@dataclass(frozen=True)
class EAMTables:
    """Raw tables of an EAM file, 0-based.

    Attributes
    ----------
    style : str
        ``"eam"``, ``"eam/alloy"`` or ``"eam/fs"``.
    elements : tuple of str
        Element names (funcfl files: from the atomic number).
    masses : tuple of float
        Masses in amu.
    nrho, drho, nr, dr, cutoff
        Grid sizes and spacings (drho in density units, dr and cutoff in Angstrom).
    frho : ndarray, shape (n_elements, nrho)
        Embedding energies F(rho) in eV.
    rhor : ndarray, shape (n_elements, n_elements, nr)
        ``rhor[a, b]``: density at an atom of element ``b`` from a neighbour of element
        ``a``. For funcfl/setfl it does not depend on ``b``.
    z2r : ndarray, shape (n_elements, n_elements, nr)
        r * phi(r) in eV*Angstrom, symmetric in the element indices. For funcfl files
        this is the Z(r) table instead (see ``zr``).
    zr : ndarray or None
        funcfl only: the effective charge Z(r) (sqrt(Hartree*Bohr)).
    """

    style: str
    elements: tuple[str, ...]
    masses: tuple[float, ...]
    nrho: int
    drho: float
    nr: int
    dr: float
    cutoff: float
    frho: np.ndarray
    rhor: np.ndarray
    z2r: np.ndarray
    zr: np.ndarray | None = None


def _style_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".eam.alloy", ".setfl")):
        return "eam/alloy"
    if name.endswith(".eam.fs"):
        return "eam/fs"
    if name.endswith(".eam"):
        return "eam"
    raise PotentialError(
        f"{path.name}: cannot tell the EAM format from the name; expected *.eam (funcfl), "
        "*.eam.alloy (setfl) or *.eam.fs (Finnis-Sinclair)"
    )


def _numbers(tokens: list[str], start: int, count: int, path: Path) -> np.ndarray:
    chunk = tokens[start : start + count]
    if len(chunk) != count:
        raise PotentialError(f"{path}: file ends early (wanted {count} more numbers)")
    try:
        return np.array(chunk, dtype=float)
    except ValueError as exc:
        raise PotentialError(f"{path}: non-numeric table entry ({exc})") from exc


def read_eam_header(path: str | Path) -> tuple[str, tuple[str, ...], tuple[float, ...], float]:
    """Read only what the registry needs: style, elements, masses and cutoff.

    Parameters
    ----------
    path : str or Path
        EAM file.

    Returns
    -------
    style, elements, masses (amu), cutoff (Angstrom)
    """
    t = read_eam(path, header_only=True)
    return t.style, t.elements, t.masses, t.cutoff


def read_eam(path: str | Path, *, header_only: bool = False) -> EAMTables:
    """Read an EAM table file in any of the three DYNAMO formats.

    Parameters
    ----------
    path : str or Path
        The file; its format follows from the suffix (.eam, .eam.alloy, .eam.fs).
    header_only : bool
        Skip the tables (arrays are empty) -- used by the registry to read metadata.

    Returns
    -------
    EAMTables
    """
    from ase.data import chemical_symbols

    path = Path(path)
    style = _style_of(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise PotentialError(f"cannot read EAM file {path}: {exc}") from exc
    try:
        if style == "eam":
            z, mass = lines[1].split()[:2]
            nrho, drho, nr, dr, cut = lines[2].split()[:5]
            elements = (chemical_symbols[int(z)],)
            masses = (float(mass),)
            body = 3
        else:
            head = lines[3].split()
            n_el = int(head[0])
            elements = tuple(head[1 : 1 + n_el])
            if len(elements) != n_el:
                raise PotentialError(f"{path}: line 4 names {len(elements)} of {n_el} elements")
            nrho, drho, nr, dr, cut = lines[4].split()[:5]
            body = 5
            masses = ()
    except (IndexError, ValueError) as exc:
        raise PotentialError(f"{path}: malformed {style} header ({exc})") from exc
    nrho, nr = int(nrho), int(nr)
    drho, dr, cutoff = float(drho), float(dr), float(cut)
    if style == "eam" and header_only:
        e = np.empty((1, 1, 0))
        return EAMTables(style, elements, masses, nrho, drho, nr, dr, cutoff, np.empty((1, 0)), e, e)

    tokens = " ".join(lines[body:]).split()
    pos = 0
    if style == "eam":
        frho = _numbers(tokens, 0, nrho, path)[None]
        zr = _numbers(tokens, nrho, nr, path)
        rho = _numbers(tokens, nrho + nr, nr, path)
        return EAMTables(
            style, elements, masses, nrho, drho, nr, dr, cutoff,
            frho=frho, rhor=rho[None, None], z2r=(FUNCFL_Z2R * zr * zr)[None, None], zr=zr,
        )

    n = len(elements)
    n_dens = n if style == "eam/fs" else 1
    frho = np.empty((n, 0 if header_only else nrho))
    rhor = np.empty((n, n, 0 if header_only else nr))
    masses_l = []
    for a in range(n):
        try:
            masses_l.append(float(tokens[pos + 1]))
        except (IndexError, ValueError) as exc:
            raise PotentialError(f"{path}: malformed element line for {elements[a]}") from exc
        pos += 4
        if header_only:  # skip over the tables without converting them
            pos += nrho + n_dens * nr
            continue
        frho[a] = _numbers(tokens, pos, nrho, path)
        pos += nrho
        for b in range(n_dens):
            rhor[a, b] = _numbers(tokens, pos, nr, path)
            pos += nr
        if n_dens == 1:
            rhor[a, :] = rhor[a, 0]
    z2r = np.empty((n, n, 0 if header_only else nr))
    if not header_only:
        for a in range(n):
            for b in range(a + 1):
                z2r[a, b] = z2r[b, a] = _numbers(tokens, pos, nr, path)
                pos += nr
    return EAMTables(style, elements, tuple(masses_l), nrho, drho, nr, dr, cutoff, frho, rhor, z2r)
