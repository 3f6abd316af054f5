/** The one check of a `{ name, key }` Secret reference, for every prop that takes one. */
import { IssueCollector } from './errors';
import { isDnsSubdomain } from './names';
import { SecretKeyRef } from '../config/types';

/** What the API server accepts as a Secret data key. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_SECRET_KEY = 253;

/** Reports a malformed Secret reference (`issues` is at the prop); true when it is usable. */
export function checkSecretRef(issues: IssueCollector, ref: SecretKeyRef | undefined): boolean {
  if (!ref || typeof ref !== 'object') {
    issues.add('expected a Secret reference { name, key }', 'reference a key of a Kubernetes Secret');
    return false;
  }
  const before = issues.issues.length;
  if (!isDnsSubdomain(ref.name)) {
    issues.add(`'${String(ref.name)}' is not a valid Secret name`, 'use a DNS-1123 subdomain (lower-case letters, digits, \'-\' and \'.\')', 'name');
  }
  if (typeof ref.key !== 'string' || !SECRET_KEY.test(ref.key) || ref.key.length > MAX_SECRET_KEY) {
    issues.add(`'${String(ref.key)}' is not a valid Secret key`, 'use letters, digits, \'-\', \'_\' and \'.\'', 'key');
  }
  return issues.issues.length === before;
}
