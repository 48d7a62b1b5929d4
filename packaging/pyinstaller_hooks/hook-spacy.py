"""spaCy for Studio's bundle: like pyinstaller-hooks-contrib's hook, without spaCy's test suite.

spaCy imports its components by name at run time (registries), so every submodule is collected,
and its data files (language data, lookups schemas). ``spacy.tests`` is ~1,000 modules no
installed app needs. Files in this folder override the contrib hooks (studio.spec's hookspath).
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

datas = collect_data_files("spacy", excludes=["tests/**"])
hiddenimports = collect_submodules("spacy", filter=lambda name: not name.startswith("spacy.tests"))
