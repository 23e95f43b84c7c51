"""Sphinx configuration for skseq's documentation."""

import os
import sys

# The gallery runs every example in quick mode (small slices, 1 epoch).
os.environ["SKSEQ_EXAMPLES_QUICK"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, os.path.abspath(".."))

import skseq  # noqa: E402

project = "skseq"
author = "skseq developers"
copyright = "2026, skseq developers"
release = version = skseq.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.doctest",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "pydata_sphinx_theme"
html_title = "skseq"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
}
html_static_path = []

autosummary_generate = True
autodoc_default_options = {}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# no internet at build time: no intersphinx inventories are fetched
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
}

# References to third-party objects (sklearn, keras) cannot be resolved
# offline; do not turn them into warnings.
nitpicky = False
suppress_warnings = ["config.cache"]
