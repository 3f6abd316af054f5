#!/bin/sh
# Builds the wheels of a provider image: the provider's own wheel, plus wheels of the dependencies that the
# Llama Stack distribution image does not already satisfy. Run it inside the distribution image (the build
# stage of the Containerfile), so compiled wheels match the server's Python version and CPU architecture.
#   usage: build-wheels.sh <provider source dir> <output dir>
set -eu
src="${1:?usage: build-wheels.sh <provider source dir> <output dir>}"
out="${2:?usage: build-wheels.sh <provider source dir> <output dir>}"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The provider itself.
python3 -m pip wheel --no-deps --wheel-dir "$out" "$src"

# 2. What installing it into this image would add: pip's install report leaves out requirements the image
#    already satisfies (llama-stack, pydantic, ...), which the install step will not install again either.
python3 -m pip install --dry-run --quiet --report "$work/report.json" "$src"
python3 - "$work/report.json" "$src" > "$work/needed.txt" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for item in report.get("install", []):
    meta = item["metadata"]
    if item.get("download_info", {}).get("url", "").startswith("file://"):
        continue  # the provider's own source tree, built above
    print("%s==%s" % (meta["name"], meta["version"]))
PY

# 3. Those dependencies as wheels (built from source where no wheel exists).
if [ -s "$work/needed.txt" ]; then
  python3 -m pip wheel --no-deps --wheel-dir "$out" -r "$work/needed.txt"
fi
echo "wheels in $out:"
ls -1 "$out"
