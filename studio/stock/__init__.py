"""Stock libraries: search (providers) and download, with each visual's credit and licence."""
