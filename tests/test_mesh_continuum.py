"""Meshes, FE assembly and the Newton solver: geometry checks, patch tests with
Cauchy-Born materials, finite-difference checks and a manufactured-solution convergence
study (slopes 2 in L2 and 1 in H1 for P1 elements)."""

import numpy as np
import pytest
from ase.build import bulk

from qcbridge import LennardJones, errors, load_potential
from qcbridge.continuum import CauchyBorn, ContinuumModel, LinearElastic
from qcbridge.continuum.mesh import Mesh, graded_lattice_nodes, structured_mesh
from qcbridge.solvers import ContinuumProblem, Newton, RelaxOptions, relax
from qcbridge.structures import Lattice, cubic_crystal, triangular_lattice


def test_geometry_and_gradient_operator_exact_for_affine_fields():
    for mesh in (structured_mesh((5, 3), (10.0, 6.0), thickness=2.0), structured_mesh((3, 2, 2), (3.0, 2.0, 2.0))):
        box = 60.0 * 2.0 if mesh.dim == 2 else 12.0
        assert mesh.volumes.sum() == pytest.approx(box, rel=1e-13) and np.all(mesh.volumes > 0)
        G = np.random.default_rng(0).standard_normal((3, mesh.dim))
        u = mesh.nodes @ G.T  # u_i = G_iJ X_J
        grad = (mesh.gradient_operator @ u).reshape(mesh.n_elements, mesh.dim, 3)
        assert np.allclose(grad, G.T[None], atol=1e-12)


def test_degenerate_elements_are_named():
    with pytest.raises(errors.MeshError, match="degenerate"):
        Mesh(np.array([[0, 0], [1, 0], [2, 0], [0, 1]], float), np.array([[0, 1, 2], [0, 1, 3]]))


def test_lattice_meshes_have_no_slivers_and_keep_all_sites():
    fcc = cubic_crystal(Lattice.FCC, "Al", 4.05, size=(4, 4, 4))
    mesh = Mesh.from_points(fcc.positions)  # fcc octahedra: co-spherical sites everywhere
    assert mesh.n_nodes == len(fcc) and mesh.quality().min() > 0.1
    from scipy.spatial import ConvexHull

    assert mesh.volumes.sum() == pytest.approx(ConvexHull(fcc.positions).volume, rel=1e-12)
    tri = triangular_lattice("Ar", 3.8, size=(20, 12))
    pts = tri.positions[:, :2]
    inner = np.linalg.norm(pts - pts.mean(0), axis=1) < 12
    lattice = np.array([[3.8, 0.0], [1.9, 3.8 * np.sqrt(3) / 2]])
    sel = graded_lattice_nodes(pts, inner, lattice)
    assert inner[sel].sum() == inner.sum() and len(sel) < 0.6 * len(pts)  # coarsened outside
    m2 = Mesh.from_points(pts[sel], thickness=20.0)
    assert np.allclose(m2.volumes.sum() / 20.0, ConvexHull(pts[sel]).volume, rtol=1e-12)
    # near the region elements are lattice sized, far away they are larger
    centroid = m2.nodes[m2.elements].mean(axis=1)
    dist = np.linalg.norm(centroid - pts.mean(0), axis=1)
    area = m2.volumes / 20.0
    assert area[dist < 8].max() < area[dist > 25].max() / 3


@pytest.mark.parametrize("exponent", [None, 1.5])
def test_graded_node_selection_does_not_depend_on_round_off(exponent):
    """Lattice distances are exact multiples of the lattice spacing, so the grading level
    lands on integers: sites moved by 1e-12 A, or a lattice constant changed in its last
    digits, select the same nodes."""
    a = 3.8
    tri = triangular_lattice("Ar", a, size=(40, 24))
    pts = tri.positions[:, :2]
    centre = pts[np.argmin(np.linalg.norm(pts - pts.mean(0), axis=1))]
    inner = np.linalg.norm(pts - centre, axis=1) < 10.5
    lattice = np.array([[a, 0.0], [a / 2, a * np.sqrt(3) / 2]])
    sel = graded_lattice_nodes(pts, inner, lattice, exponent=exponent)
    noise = 1e-12 * np.random.default_rng(0).standard_normal(pts.shape)
    assert np.array_equal(graded_lattice_nodes(pts + noise, inner, lattice, exponent=exponent), sel)
    s = 1 + 4e-16
    assert np.array_equal(graded_lattice_nodes(pts * s, inner, lattice * s, exponent=exponent), sel)


def _patch(mesh, cb, F):
    model = ContinuumModel(mesh, cb)
    u_aff = np.zeros((mesh.n_nodes, 3))
    u_aff[:, : mesh.dim] = 0.0
    X3 = np.zeros((mesh.n_nodes, 3))
    X3[:, : mesh.dim] = mesh.nodes
    u_aff = X3 @ (F - np.eye(3)).T
    fixed = np.zeros(mesh.n_nodes, bool)
    fixed[mesh.boundary_nodes] = True
    _, f = model.energy_forces(u_aff)
    interior = np.abs(f[~fixed]).max()
    u0 = np.where(fixed[:, None], u_aff, 0.0)
    res = relax(ContinuumProblem(model, u0, fixed), Newton(), RelaxOptions(fmax=1e-10, max_steps=50))
    return interior, np.abs(res.u - u_aff).max(), res


@pytest.mark.parametrize("F", [np.diag([1.02, 1.0, 1.0]), np.diag([1.02, 0.99, 1.0]),
                               np.eye(3) + 0.03 * np.eye(3)[[1, 0, 2]] * [[0, 1, 0], [0, 0, 0], [0, 0, 0]]])
def test_patch_test_3d_cauchy_born(F):
    fcc = cubic_crystal(Lattice.FCC, "Al", 4.05, size=(3, 3, 3))
    mesh = Mesh.from_points(fcc.positions)
    cb = CauchyBorn(bulk("Al", "fcc", a=4.05), load_potential("Al_jnp.eam"))
    interior, err, res = _patch(mesh, cb, F)
    assert interior < 1e-10
    assert err < 1e-8 and res.converged and res.fmax < 1e-10


def test_patch_test_2d_slab_with_screw_component():
    tri = triangular_lattice("Ar", 3.816, size=(8, 5), thickness=20.0)
    mesh = Mesh.from_points(tri.positions[:, :2], thickness=20.0)
    # rectangular two-atom cell of a simple lattice: no inner relaxation (see test_cauchy_born)
    cb = CauchyBorn(triangular_lattice("Ar", 3.816, thickness=20.0), LennardJones.create("Ar", 0.0104, 3.4, 8.5),
                    relax=False)
    F = np.eye(3)
    F[:2, :2] += [[0.02, 0.005], [0.005, 0.015]]  # in-plane tension: out-of-plane stiffness > 0
    F[2, :2] = [0.02, -0.01]  # out-of-plane shear (screw-like)
    interior, err, _ = _patch(mesh, cb, F)
    assert interior < 1e-10 and err < 1e-8


def test_forces_and_stiffness_are_energy_derivatives():
    mesh = structured_mesh((3, 3, 2), (8.1, 8.1, 8.1))
    cb = CauchyBorn(bulk("Cu", "fcc", a=3.615), load_potential("Cu_u3.eam"))
    model = ContinuumModel(mesh, cb)
    u = 0.05 * np.random.default_rng(1).standard_normal((mesh.n_nodes, 3))
    E, f = model.energy_forces(u)
    K = model.stiffness(u).toarray()
    assert np.allclose(K, K.T, atol=1e-10 * np.abs(K).max())
    h = 1e-6
    for a, i in [(0, 0), (7, 2), (mesh.n_nodes - 1, 1)]:
        up, um = u.copy(), u.copy()
        up[a, i] += h
        um[a, i] -= h
        (Ep, fp), (Em, fm) = model.energy_forces(up), model.energy_forces(um)
        assert -(Ep - Em) / (2 * h) == pytest.approx(f[a, i], rel=1e-6, abs=1e-9)
        assert np.allclose(-(fp - fm).ravel() / (2 * h), K[3 * a + i], rtol=1e-5, atol=1e-6 * np.abs(K).max())


def test_inverted_element_is_named():
    mesh = structured_mesh((2, 2), (2.0, 2.0))
    model = ContinuumModel(mesh, LinearElastic(np.zeros((3, 3, 3, 3))))
    u = np.zeros((mesh.n_nodes, 3))
    u[4, 0] = 1.5  # centre node pushed through its neighbours
    with pytest.raises(errors.InvertedElementError) as info:
        model.energy_forces(u)
    assert len(info.value.elements) > 0 and "inverted" in str(info.value)


# ------------------------------------------------ manufactured-solution convergence
_QP = np.array([[1 / 3, 1 / 3], [0.059715871789770, 0.470142064105115], [0.470142064105115, 0.059715871789770],
                [0.470142064105115, 0.470142064105115], [0.797426985353087, 0.101286507323456],
                [0.101286507323456, 0.797426985353087], [0.101286507323456, 0.101286507323456]])
_QW = np.array([0.225, *[0.132394152788506] * 3, *[0.125939180544827] * 3])  # Dunavant degree 5


def _exact(X, L):
    x, y = X[..., 0] / L, X[..., 1] / L
    s, c = np.sin, np.cos
    u = np.stack([s(np.pi * x) * s(np.pi * y), 0.5 * c(np.pi * x) * s(2 * np.pi * y), x * y * s(np.pi * x)], -1)
    return u


def _derivs(X, L, h=1e-4):
    """Gradient and Hessian of the exact field by high-order differences (smooth field)."""
    grads = []
    for J in range(2):
        e = np.zeros(2)
        e[J] = h * L
        grads.append((_exact(X + e, L) - _exact(X - e, L)) / (2 * h * L))
    H = np.zeros(X.shape[:-1] + (3, 2, 2))
    for J in range(2):
        for K in range(2):
            eJ, eK = np.zeros(2), np.zeros(2)
            eJ[J], eK[K] = h * L, h * L
            H[..., J, K] = (_exact(X + eJ + eK, L) - _exact(X + eJ - eK, L) - _exact(X - eJ + eK, L)
                            + _exact(X - eJ - eK, L)) / (4 * (h * L) ** 2)
    return np.stack(grads, -1), H  # grad[..., i, J]


def test_convergence_rates_on_manufactured_solution():
    C = CauchyBorn(bulk("Al", "fcc", a=4.05, cubic=True), load_potential("Al_jnp.eam")).tangent(np.eye(3))
    mat = LinearElastic(C)
    L = 100.0
    hs, e0, e1 = [], [], []
    for n in (8, 16, 32, 64):  # 4x4 is pre-asymptotic for sin(2 pi y)
        mesh = structured_mesh((n, n), (L, L))
        model = ContinuumModel(mesh, mat)
        K = model.stiffness(np.zeros((mesh.n_nodes, 3)))
        x = mesh.nodes[mesh.elements]  # (m, 3, 2)
        lam = np.column_stack([1 - _QP.sum(1), _QP])  # (q, 3) barycentric
        Xq = np.einsum("qa,ead->eqd", lam, x)
        _, H = _derivs(Xq, L)
        body = -np.einsum("iJkL,eqkJL->eqi", C[:, :2, :, :2], H)  # b = -div(C : grad u)
        w = _QW[None, :] * (mesh.volumes[:, None])  # area weights (thickness 1)
        fe = np.einsum("eq,qa,eqi->eai", w, lam, body)
        load = np.zeros((mesh.n_nodes, 3))
        np.add.at(load, mesh.elements, fe)
        fixed = np.zeros(mesh.n_nodes, bool)
        fixed[mesh.boundary_nodes] = True
        u = np.zeros((mesh.n_nodes, 3))
        u[fixed] = _exact(mesh.nodes[fixed], L)
        free = np.repeat(~fixed, 3)
        rhs = load.ravel() - K @ u.ravel()
        import scipy.sparse.linalg as spla

        u.ravel()[free] = spla.spsolve(K[free][:, free].tocsc(), rhs[free])
        uq = np.einsum("qa,eai->eqi", lam, u[mesh.elements])
        gq = np.einsum("eaJ,eai->eiJ", mesh.shape_gradients, u[mesh.elements])
        gex, _ = _derivs(Xq, L)
        e0.append(np.sqrt(np.sum(w[..., None] * (uq - _exact(Xq, L)) ** 2)))
        e1.append(np.sqrt(np.sum(w[..., None, None] * (gq[:, None] - gex) ** 2)))
        hs.append(L / n)
    s0 = np.polyfit(np.log(hs), np.log(e0), 1)[0]
    s1 = np.polyfit(np.log(hs), np.log(e1), 1)[0]
    assert s0 == pytest.approx(2.0, abs=0.15), s0
    assert s1 == pytest.approx(1.0, abs=0.1), s1
