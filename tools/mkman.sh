#!/bin/sh
# Write the man page of a wirescan command (roff, on standard output) from
# its --help: wirescan(1) from 'wirescan --help', wirescan-CMD(1) from
# 'wirescan CMD --help' (for the analytic commands that text comes from the
# kernel descriptors, so the pages follow the code).
#   mkman.sh WIRESCAN_BINARY PAGE VERSION
set -eu
bin=$1 page=$2 version=$3
if [ "$page" = wirescan ]; then
    name=wirescan what="batch analytics engine for news archives"
    text=$("$bin" --help)
else
    name="wirescan-$page"
    what=$("$bin" --help | awk -v c="$page" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
    text=$("$bin" "$page" --help)
fi
upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
printf '.TH %s 1 "" "wirescan %s" "wirescan manual"\n' "$upper" "$version"
printf '.SH NAME\n%s \\- %s\n' "$name" "$what"
printf '.SH DESCRIPTION\n.nf\n'
# roff: escape backslashes; a line starting with . or ' gets a zero-width guard.
printf '%s\n' "$text" | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
printf '.fi\n.SH SEE ALSO\n'
[ "$page" = wirescan ] && printf 'wirescan-ingest(1), wirescan-tf(1), wirescan-cooc(1), wirescan-trends(1)\n' || printf 'wirescan(1)\n'
