"""Phase images from files: NumPy arrays (.npy), PNG and TIFF (2D, or a multi-page 3D stack).

A ``.npy`` file holds the labels themselves (integers, or floats with integer values). A
PNG or TIFF holds grey levels (colour images are converted to luminance): the distinct
levels, sorted, become the labels 0, 1, ... and the levels are returned so that a caller
can say which label is which.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import PhaseMapError

__all__ = ["read_phase_image"]

#: Suffixes read as pictures (grey levels) rather than arrays of labels.
PICTURE_SUFFIXES = (".png", ".tif", ".tiff")


def read_phase_image(path: str | Path, max_phases: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Phase labels of a voxel image file, and the value each label came from.

    Parameters
    ----------
    path : str or Path
        ``.npy`` (labels), ``.png``, ``.tif`` or ``.tiff`` (grey levels; a multi-page TIFF is a
        3D stack, one page per slice along the first axis).
    max_phases : int
        More distinct values than this is taken as a picture that was not segmented.

    Returns
    -------
    phases : ndarray of intp, shape (n1, n2) or (n1, n2, n3)
    levels : ndarray
        ``levels[p]`` is the file's value of label ``p`` (for ``.npy``, the labels themselves).

    Raises
    ------
    PhaseMapError
        Unreadable file, unknown suffix, not 2D/3D, or too many distinct values.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise PhaseMapError(f"{path}: no such image file")
    if suffix == ".npy":
        try:
            data = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise PhaseMapError(f"{path}: not a NumPy array file ({exc})") from exc
        if data.dtype == bool or np.issubdtype(data.dtype, np.integer):
            return data.astype(np.intp), np.unique(data)
        if not np.issubdtype(data.dtype, np.floating) or not np.all(np.isfinite(data)) \
                or np.any(data != np.round(data)):
            raise PhaseMapError(f"{path}: a .npy phase image must hold integer labels, got {data.dtype}")
        return data.astype(np.intp), np.unique(data)
    if suffix not in PICTURE_SUFFIXES:
        raise PhaseMapError(f"{path}: unknown image type {suffix!r}; give .npy, .png, .tif or .tiff")
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            pages = [np.asarray(page.convert("L") if page.mode not in ("L", "I", "I;16", "F") else page)
                     for page in ImageSequence.Iterator(picture)]
    except (UnidentifiedImageError, OSError) as exc:
        raise PhaseMapError(f"{path}: cannot read the image ({exc})") from exc
    grey = pages[0] if len(pages) == 1 else np.stack(pages)
    levels, labels = np.unique(grey, return_inverse=True)
    if levels.size > max_phases:
        raise PhaseMapError(f"{path}: {levels.size} distinct grey levels; a phase image has one level per phase "
                            "(segment the picture first)")
    return labels.reshape(grey.shape).astype(np.intp), levels
