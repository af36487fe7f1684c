#!/bin/sh
# make check's share of fuzzing (tests/run.sh runs it): every target replays
# its corpus and regress inputs, then explores a fixed, seeded number of runs.
exec sh "$(dirname "$0")/run.sh" check
