import { CaBundleSpec } from './props';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { isDnsSubdomain } from '../core/names';
import { restrictedContainerSecurityContext } from '../core/security';

/** Where Debian-based images (the distribution images are python:3.12-slim) keep the system bundle. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
export const CUSTOM_CA_DIR = '/etc/llama-stack-ca/custom';
export const COMBINED_CA_DIR = '/etc/llama-stack-ca/combined';
export const COMBINED_CA_FILE = `${COMBINED_CA_DIR}/ca-bundle.crt`;
export const DEFAULT_CA_KEYS = ['ca-bundle.crt'];

const KEY = /^[a-zA-Z0-9]([a-zA-Z0-9\-_.]*[a-zA-Z0-9])?$/;

/**
 * Combines the image's system CA bundle with the custom certificate files given as arguments, so public
 * CAs keep working. Paths arrive as arguments ("$@"), never spliced into the script text.
 */
export const CA_BUNDLE_SCRIPT = `set -eu
system="$SYSTEM_CA_BUNDLE"
out="$COMBINED_CA_BUNDLE"
if [ ! -s "$system" ]; then
  echo "ca-bundle: the image has no system CA bundle at $system" >&2
  exit 1
fi
tmp="$out.tmp"
cat "$system" > "$tmp"
for cert in "$@"; do
  if [ ! -f "$cert" ]; then
    echo "ca-bundle: $cert is missing (is the key in the ConfigMap?)" >&2
    exit 1
  fi
  if ! grep -q -e '-----BEGIN CERTIFICATE-----' "$cert"; then
    echo "ca-bundle: $cert contains no PEM certificate" >&2
    exit 1
  fi
  printf '\\n' >> "$tmp"
  cat "$cert" >> "$tmp"
done
mv "$tmp" "$out"
echo "ca-bundle: $system and $# custom file(s) combined into $out"
`;

export function checkCaBundle(issues: IssueCollector, spec: CaBundleSpec): void {
  if (typeof spec !== 'object' || spec === null) {
    issues.add('expected { configMapName, keys? }', undefined);
    return;
  }
  if (!isDnsSubdomain(spec.configMapName)) {
    issues.add(`'${String(spec.configMapName)}' is not a valid ConfigMap name`, 'use a DNS-1123 subdomain', 'configMapName');
  }
  if (spec.keys !== undefined && !Array.isArray(spec.keys)) {
    issues.add('expected a list of ConfigMap keys', 'e.g. keys: [\'ca.crt\']', 'keys');
    return;
  }
  const keys = spec.keys ?? DEFAULT_CA_KEYS;
  if (keys.length === 0) issues.add('an empty list', 'leave keys out to use ca-bundle.crt, or name the keys', 'keys');
  keys.forEach((key, i) => {
    if (typeof key !== 'string' || key.length > 253 || !KEY.test(key) || key.includes('..')) {
      issues.add(`'${String(key)}' is not a valid ConfigMap key`, 'use letters, digits, \'-\', \'_\' and \'.\' (no \'/\', no \'..\')', `keys[${i}]`);
    }
  });
  if (new Set(keys).size !== keys.length) issues.add('a key is listed twice', 'remove the duplicate', 'keys');
}

/** The init container that writes the combined bundle, and the volumes it needs. */
export function caBundlePieces(spec: CaBundleSpec, image: string): { init: k8s.Container; volumes: k8s.Volume[] } {
  const keys = spec.keys ?? DEFAULT_CA_KEYS;
  return {
    init: {
      name: 'ca-bundle',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '-c', CA_BUNDLE_SCRIPT, 'ca-bundle', ...keys.map((k) => `${CUSTOM_CA_DIR}/${k}`)],
      env: [
        { name: 'SYSTEM_CA_BUNDLE', value: SYSTEM_CA_BUNDLE },
        { name: 'COMBINED_CA_BUNDLE', value: COMBINED_CA_FILE },
      ],
      resources: {
        requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
        limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('64Mi') },
      },
      securityContext: restrictedContainerSecurityContext(),
      // The script reports to stderr: on failure its log is the termination message (kubectl describe, doctor).
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: [
        { name: 'ca-custom', mountPath: CUSTOM_CA_DIR, readOnly: true },
        { name: 'ca-combined', mountPath: COMBINED_CA_DIR },
      ],
    },
    volumes: [
      { name: 'ca-custom', configMap: { name: spec.configMapName, items: keys.map((k) => ({ key: k, path: k })) } },
      { name: 'ca-combined', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
    ],
  };
}
