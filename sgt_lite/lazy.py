"""Lazy package exports: a package names what it offers, and each name loads on first use, so that
``import sgt_lite`` and the Animator's import path stay cheap on a Pi."""
import importlib
import sys


def lazy_exports(package: str, table: dict, eager=()):
    """``(__getattr__, __dir__, __all__)`` for ``package``, whose ``table`` maps each exported name
    to the module (absolute, or relative to the package) that defines it; ``eager`` names are
    imported by the package itself and only listed.

    >>> get, names, all_ = lazy_exports("sgt_lite", {"ConfigError": "sgt_lite.errors"})
    >>> get("ConfigError").__name__, all_
    ('ConfigError', ['ConfigError'])
    """
    names = sorted(list(table) + list(eager))

    def __getattr__(name):
        if name in table:
            value = getattr(importlib.import_module(table[name], package), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return names

    return __getattr__, __dir__, names
