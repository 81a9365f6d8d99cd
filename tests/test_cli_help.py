"""Every `sgt-lite ... --help` reads as whole sentences: the program's description does not
stop mid-sentence, every subcommand has a description, every argument a help text."""
import argparse
import contextlib
import io
import re

import pytest

from sgt_lite.cli import build_parser

DANGLING = re.compile(r"\b(set|the|a|an|and|or|of|to|for|with|from|by|in|on|at|is|are|then|if|when|see)$",
                      re.IGNORECASE)


def _walk(p, path=("sgt-lite",)):
    yield path, p
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sp in a.choices.items():
                yield from _walk(sp, path + (name,))


PARSERS = list(_walk(build_parser()))


def _complete(text):
    text = " ".join(text.split())
    return bool(text) and not DANGLING.search(text.rstrip(".)")) and text.count("(") == text.count(")")


def test_program_description_is_whole():
    desc = build_parser().description
    assert desc.endswith(".") and "SGT_LITE_DEBUG=1" in desc, desc


@pytest.mark.parametrize("path,parser", PARSERS, ids=[" ".join(p) for p, _ in PARSERS])
def test_every_subcommand_and_argument_explains_itself(path, parser):
    if len(path) > 1:
        assert parser.description and _complete(parser.description), (path, parser.description)
    for a in parser._actions:
        if isinstance(a, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        assert a.help and _complete(a.help), (path, a.option_strings or a.dest, a.help)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        build_parser().parse_args(list(path[1:]) + ["--help"])
    assert done.value.code == 0 and "usage: " + " ".join(path) in out.getvalue()
