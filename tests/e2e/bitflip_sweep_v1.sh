#!/usr/bin/env bash
# The corruption sweep of bitflip_sweep.sh (every byte flipped, every
# truncation, of every file) on a store of format 1.x, written with
# WS_WRITE_FORMAT=1: this build reads 1.x stores, and must find any damage
# in them as it does in the 2.0 stores that bitflip_sweep.sh damages.
# The plain binary runs it: the 1.x decoders are those the sanitizer build
# swept before format 2.0, and the sweep under ASan takes most of the
# suite's time on a 2-core machine.
export WS_WRITE_FORMAT=1
unset WS_ASAN_BIN
exec bash "$(dirname "$0")/bitflip_sweep.sh"
