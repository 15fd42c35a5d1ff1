#!/usr/bin/env bash
# Installs Debian's linux-source-6.1 and linux-source-6.12 packages if needed and
# extracts them into the corpus cache (EQSCHECK_CORPUS, default ~/.cache/eqscheck/corpus).
# Needs root for apt-get (as on the project's machines).
set -euo pipefail
corpus="${EQSCHECK_CORPUS:-$HOME/.cache/eqscheck/corpus}"
mkdir -p "$corpus"
for version in 6.1 6.12; do
  tree="$corpus/linux-source-$version"
  if [[ -f "$tree/Makefile" ]]; then echo "corpus: $tree present"; continue; fi
  tarball="/usr/src/linux-source-$version.tar.xz"
  if [[ ! -f "$tarball" ]]; then
    echo "corpus: installing linux-source-$version"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "linux-source-$version" >/dev/null
  fi
  echo "corpus: extracting $tarball"
  tar -xJf "$tarball" -C "$corpus"
done
echo "corpus: ready in $corpus"
