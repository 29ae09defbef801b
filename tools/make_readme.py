#!/usr/bin/env python3
"""Write README.md from nbs/index.ipynb's markdown cells.

nbdev's own README generation needs Quarto, which cannot be installed everywhere; this keeps
README.md and the course home page identical without it. tests/test_project.py
(test_readme_matches_index) fails when they differ. Where Quarto is installed, `nbdev_docs` (and
`nbdev_prepare`) call `nbdev_readme`, which rewrites README.md with Quarto's own rendering whenever
README.md is older than nbs/index.ipynb: run this script again afterwards.
Usage: python tools/make_readme.py [--check]
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def render() -> str:
    "README text: the index notebook's markdown, with links to notebooks pointing into nbs/."
    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    parts = [''.join(c['source']).strip() for c in nb['cells'] if c['cell_type'] == 'markdown']
    text = '\n\n'.join(parts) + '\n'
    text = re.sub(r'^> (.*)$', r'\1', text, count=1, flags=re.M)       # nbdev's summary line
    text = re.sub(r'\]\((\w[\w.-]*\.ipynb)\)', r'](nbs/\1)', text)     # relative notebook links
    return ('<!-- Generated from nbs/index.ipynb by tools/make_readme.py; '
            'edit the notebook, not this file. -->\n\n' + text)

if __name__ == '__main__':
    text = render()
    if '--check' in sys.argv:
        ok = (ROOT / 'README.md').read_text() == text
        print('README.md is in sync' if ok
              else 'README.md differs from nbs/index.ipynb: run python tools/make_readme.py')
        sys.exit(0 if ok else 1)
    (ROOT / 'README.md').write_text(text)
