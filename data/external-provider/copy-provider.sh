# Runs in the provider image as the init container provider-<id> (POSIX sh; needs only sh and cp).
# Checks the image contract and copies /lls-provider (metadata and wheels) into the shared volume, where
# the install-providers init container validates and installs it. Everything it needs comes from the
# environment; no value is ever spliced into this text.
#   PROVIDER_ID, PROVIDER_IMAGE   who this is (for messages)
#   PROVIDER_SOURCE_DIR           the image's provider directory (/lls-provider)
#   PROVIDER_STAGING_DIR          where to copy it (inside the shared volume; its parent exists)
#   INIT_CONTAINER_NAME           this container's name (for messages)
#   TERMINATION_LOG               where Kubernetes reads the failure message (/dev/termination-log)
set -u

src="${PROVIDER_SOURCE_DIR:-/lls-provider}"
dst="${PROVIDER_STAGING_DIR:?PROVIDER_STAGING_DIR is not set}"
id="${PROVIDER_ID:?PROVIDER_ID is not set}"
image="${PROVIDER_IMAGE:?PROVIDER_IMAGE is not set}"
container="${INIT_CONTAINER_NAME:-provider-$id}"
log="${TERMINATION_LOG:-/dev/termination-log}"

# fail <what failed> <resolution> [detail]: the message goes to stderr and to the termination log,
# which `kubectl describe pod` shows for the failed init container.
fail() {
  message=$(printf 'ERROR: %s\nProvider: %s\nImage: %s\nInit Container: %s\n' "$1" "$id" "$image" "$container")
  if [ -n "${3:-}" ]; then message=$(printf '%s\n%s' "$message" "$3"); fi
  message=$(printf '%s\nResolution: %s' "$message" "$2")
  printf '%s\n' "$message" >&2
  printf '%s\n' "$message" > "$log" 2>/dev/null || true
  exit 1
}

spec="$src/lls-provider-spec.yaml"
packages="$src/packages"

if [ ! -e "$spec" ]; then
  fail "Missing $spec in image $image" \
    "Ensure the provider image contains a valid lls-provider-spec.yaml at $spec"
fi
if [ ! -f "$spec" ]; then
  fail "$spec in image $image is not a regular file" \
    "Ensure the provider image contains a valid lls-provider-spec.yaml at $spec"
fi
if [ ! -r "$spec" ]; then
  fail "$spec in image $image is not readable by the pod's user (UID $(id -u 2>/dev/null || echo '?'))" \
    "Make the provider files world-readable in the image (e.g. RUN chmod -R a+rX $src in the Containerfile)"
fi
if [ ! -e "$packages" ]; then
  fail "Missing $packages directory in image $image" \
    "Ensure the provider image contains the provider wheel and all its dependency wheels in $packages/"
fi
if [ ! -d "$packages" ]; then
  fail "$packages in image $image is not a directory" \
    "Ensure the provider image contains the provider wheel and all its dependency wheels in $packages/"
fi
if [ ! -r "$packages" ] || [ ! -x "$packages" ]; then
  fail "$packages in image $image is not readable by the pod's user" \
    "Make the provider files world-readable in the image (e.g. RUN chmod -R a+rX $src in the Containerfile)"
fi
set -- "$packages"/*.whl
if [ ! -e "$1" ]; then
  fail "No wheel files (*.whl) in $packages in image $image" \
    "Build the provider and its dependencies as wheels (pip wheel --wheel-dir $packages ...) into the image"
fi

# cp -R src/. dst creates dst when it is missing and copies into it when an earlier run left it there.
# -L copies what symlinks point to, so links to absolute paths in the image still work in the volume.
if ! errors=$(cp -R -L "$src/." "$dst" 2>&1); then
  fail "Failed to copy $src from image $image into the shared volume" \
    "Check that every file under $src is readable by the pod's user, and that the wheels fit the external-providers volume (raise externalProviders.volumeSizeLimit)" \
    "$errors"
fi

echo "provider $id: copied $src from $image ($# wheel file(s) in packages/) to $dst"
