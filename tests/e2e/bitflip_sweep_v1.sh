#!/usr/bin/env bash
# The corruption sweep of bitflip_sweep.sh (every byte flipped, every
# truncation, of every file) on a store of format 1.x, written with
# WS_WRITE_FORMAT=1: this build reads 1.x stores, and must find any damage
# in them as it does in the 2.0 stores that bitflip_sweep.sh damages.
export WS_WRITE_FORMAT=1
exec bash "$(dirname "$0")/bitflip_sweep.sh"
