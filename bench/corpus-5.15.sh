#!/usr/bin/env bash
# Lays out the pre-fix tree the benchmarks use beside the Debian corpus (never CI):
# Linux 5.15.16's arch include virt kernel Makefile, with arch/riscv from 5.16.10
# (riscv KVM starts in 5.16), as EQSCHECK_CORPUS/linux-5.15-prefix.
#   bash bench/corpus-5.15.sh FASTSWAP_GIT PS4_GIT
# FASTSWAP_GIT: a clone of yuqi-lee/fastswap-linux-5.15.16 (commit 2b8adacb, the 5.15.16 import);
# PS4_GIT: a clone of DFAUS-git/ps4-linux-kernel-5.16.10-belize (commit 86ee2d25).
set -euo pipefail
if [[ $# -ne 2 ]]; then echo "usage: $0 FASTSWAP_GIT PS4_GIT" >&2; exit 2; fi
corpus="${EQSCHECK_CORPUS:-$HOME/.cache/eqscheck/corpus}"
tree="$corpus/linux-5.15-prefix"
rm -rf "$tree" && mkdir -p "$tree"
git --git-dir="$1" archive 2b8adacb arch include virt kernel Makefile | tar -x -C "$tree"
rm -rf "$tree/arch/riscv"
git --git-dir="$2" archive 86ee2d25 arch/riscv | tar -x -C "$tree"
echo "corpus: $tree ready"
