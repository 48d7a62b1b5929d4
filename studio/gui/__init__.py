"""The desktop window: Qt widgets over the Qt-free domain (store, pipeline, engines, media).

Nothing outside this package imports it, and nothing in it does pipeline work on the GUI
thread: long jobs run in :mod:`studio.gui.workers` and report back by signals.
"""
