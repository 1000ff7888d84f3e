#!/bin/sh
# Builds hub_common_words.c: the list hub_password.c refuses passwords
# against, sorted (byte order) for a binary search. Every word of 4 or more
# letters of WORDLIST (Debian's wamerican) and every line of EXTRA
# (common-passwords.txt), lower case, each once.
#   common-words.sh WORDLIST EXTRA OUT
set -eu
wordlist=$1 extra=$2 out=$3
tmp=$out.tmp
{
    echo "/* Made by common-words.sh from $(basename "$wordlist") and $(basename "$extra"): do not edit. */"
    echo "#include <stddef.h>"
    echo "extern const char *const hub_common_words[];"
    echo "extern const size_t hub_common_word_count;"
    echo "const char *const hub_common_words[] = {"
    { grep -v '^#' "$extra"; cat "$wordlist"; } |
        LC_ALL=C awk 'length($0) >= 4 && /^[A-Za-z0-9]+$/ { print tolower($0) }' |
        LC_ALL=C sort -u | LC_ALL=C awk '{ printf "\"%s\",\n", $0 }'
    echo "};"
    echo "const size_t hub_common_word_count = sizeof hub_common_words / sizeof hub_common_words[0];"
} >"$tmp"
mv "$tmp" "$out"
