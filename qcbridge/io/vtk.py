"""Meshes with fields to VTK/XDMF files that ParaView opens, through meshio (the field's
standard mesh I/O library, so that every format meshio knows comes for free)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..continuum.mesh import Mesh

__all__ = ["write_mesh"]


def write_mesh(path: str | Path, mesh: Mesh, *, point_data: dict | None = None, cell_data: dict | None = None,
               displacement: np.ndarray | None = None) -> Path:
    """Write a mesh (reference positions, Angstrom) with nodal and element fields.

    Parameters
    ----------
    path : str or Path
        ``.vtu``, ``.vtk``, ``.xdmf`` ... (meshio picks the format from the suffix).
    mesh : Mesh
        Triangles (2D; written with z = 0) or tetrahedra.
    point_data, cell_data : dict of name -> ndarray
        Per-node (n_nodes, ...) and per-element (n_elements, ...) arrays.
    displacement : ndarray, shape (n_nodes, 3), optional
        Written as the ``displacement`` point field (ParaView's "Warp By Vector").
    """
    import meshio

    pts = mesh.nodes if mesh.dim == 3 else np.column_stack([mesh.nodes, np.zeros(mesh.n_nodes)])
    pdata = dict(point_data or {})
    if displacement is not None:
        pdata["displacement"] = np.asarray(displacement, dtype=float)
    cdata = {k: [np.asarray(v)] for k, v in (cell_data or {}).items()}
    cell = "triangle" if mesh.dim == 2 else "tetra"
    meshio.Mesh(pts, [(cell, mesh.elements)], point_data=pdata, cell_data=cdata).write(path)
    return Path(path)
