"""The package's public surface and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import pytest

import clustertags


def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return out.stdout.strip()


def test_every_public_name_resolves_to_its_definition():
    for name in clustertags.__all__:
        value = getattr(clustertags, name)
        if name != "__version__":
            module = clustertags._EXPORTS[name]
            assert value is getattr(__import__(f"clustertags.{module}", fromlist=[name]), name)
    assert set(clustertags.__all__) == {*clustertags._EXPORTS, "__version__"}
    assert set(clustertags.__all__) <= set(dir(clustertags))


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'tagg'"):
        clustertags.tagg  # noqa: B018


def test_importing_the_package_or_its_spacy_module_leaves_scikit_learn_unloaded():
    # spaCy imports clustertags.spacy in every pipeline through its entry
    # points; that must not pull in scikit-learn and the model machinery.
    assert _fresh("import sys, clustertags; print('sklearn' in sys.modules)") == "False"
    assert _fresh("import sys, clustertags.spacy; print('sklearn' in sys.modules)") == "False"
    assert _fresh("import sys, spacy; spacy.blank('en'); print('sklearn' in sys.modules)") == "False"


def test_the_functions_win_over_their_submodules():
    # The package's train/evaluate are functions, even after their modules load.
    out = _fresh(
        "import clustertags, clustertags.trainer, clustertags.evaluation; "
        "print(callable(clustertags.train), callable(clustertags.evaluate), clustertags.train.__module__)"
    )
    assert out == "True True clustertags.trainer"
