"""``python -m studio``: the command line, or the GUI when no command is given."""

import gc

from studio.cli import main

exit_code = main()
# Spare the interpreter's final garbage collections over everything still alive (Kokoro's model,
# spaCy, the G2P dictionaries): after a Kokoro run they take ~1 s, which Ctrl-C would otherwise
# add to its wait (measured 1.0-1.25 s -> 0.3 s). Files and the database are closed as usual.
gc.freeze()
raise SystemExit(exit_code)
