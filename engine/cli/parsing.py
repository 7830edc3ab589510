"""The command line's argparse parser class, in a module of its own: argparse is imported only when a
command line is read by argparse (a plain `certrules eval`, see engine/cli `_plain_eval`, is not)."""
from __future__ import annotations

import argparse

from ..errors import UsageError


class Parser(argparse.ArgumentParser):
    def error(self, message):
        # main() prints "certrules: ", so only the subcommand (if any) goes before the message
        command = self.prog.split(" ", 1)[1] if " " in self.prog else ""
        raise UsageError(f"{command + ': ' if command else ''}{message} (see {self.prog} --help)")
