#!/bin/sh
# The layers (docs/design.md): includes from the tree, calls from the
# archives make check just built.
exec "$(dirname "$0")/../../scripts/check-layers.sh" src "${VIGIL_BUILD:-build}"
