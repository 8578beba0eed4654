#!/usr/bin/env bash
# Installs the packages kvbos needs and builds it into build/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j2
echo "built: $(ls build/bin | tr '\n' ' ')"
