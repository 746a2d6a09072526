"""Sphinx configuration of qcbridge's documentation (API reference from the numpydoc docstrings)."""

import qcbridge

project = "qcbridge"
release = version = qcbridge.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_mock_imports = []
nitpicky = False
exclude_patterns = ["_build", "results", "*.json"]
html_theme = "alabaster"
html_static_path = []
# re-exported names (qcbridge.coupling.QCModel and qcbridge.coupling.model.QCModel) make
# some cross-references ambiguous; both targets are the same object
suppress_warnings = ["ref.python"]
