#!/usr/bin/env python3
"""`nbdev_export` with the generated `__all__` wrapped at 100 columns, the library's line limit.

nbdev 2 wraps the `__all__` list it writes at a fixed 120 columns (nbdev.maker uses
`TextWrapper(width=120)`), the one place where the exported modules would break the project's
100-character limit. This runs the same export with that wrapper narrowed; everything else is
nbdev's own. Use it instead of `nbdev_export` (tests/test_sync.py checks the library against it).
Usage: python tools/export.py [--path nbs/03_dcgan.ipynb]
"""
import sys
import textwrap

import nbdev.maker

LINE_LIMIT = 100

class _Wrapper(textwrap.TextWrapper):
    "nbdev's wrapper of the `__all__` list, narrowed so that `__all__ = ` plus a line fits."
    def __init__(self, *args, **kw):
        super().__init__(*args, **{**kw, 'width': LINE_LIMIT - len('__all__ = ')})

def main(argv):
    nbdev.maker.TextWrapper = _Wrapper
    from nbdev.doclinks import nbdev_export
    sys.argv = ['nbdev_export', *argv]
    nbdev_export()          # called from __main__, fastcore's call_parse parses sys.argv

if __name__ == '__main__': main(sys.argv[1:])
