#!/bin/bash
# Upstream kept start-notebook.sh as an alias of start-notebook.py.
exec start-notebook.py "$@"
