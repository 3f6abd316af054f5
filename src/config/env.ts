/**
 * The container variables a stack's props set: `env` (literal values) and `secretEnv` (Secret references),
 * as one list with the prop path of each. A name may be in one of the two maps only.
 */
import { isObject } from './schema';
import { SecretKeyRef } from './types';
import { IssueCollector } from '../core/errors';
import { compareStrings } from '../core/order';

/** One variable of `env` or `secretEnv`. */
export interface PropEnvVar {
  readonly name: string;
  /** The literal value (`env`). */
  readonly value?: string;
  /** The Secret it is taken from (`secretEnv`). */
  readonly secret?: SecretKeyRef;
  /** `env.<name>` or `secretEnv.<name>`. */
  readonly path: string;
}

/** The two props, as the shape check let them through (anything else is skipped: the shape check reported it). */
export interface PropEnvSpec {
  readonly env?: { readonly [name: string]: string };
  readonly secretEnv?: { readonly [name: string]: SecretKeyRef };
}

/** `env` and `secretEnv` as one list, by name (a name in both is listed twice; `checkPropEnvNames` reports it). */
export function propEnv(spec: PropEnvSpec): PropEnvVar[] {
  const out: PropEnvVar[] = [];
  for (const [name, value] of Object.entries(isObject(spec.env) ? spec.env : {})) out.push({ name, value, path: `env.${name}` });
  for (const [name, secret] of Object.entries(isObject(spec.secretEnv) ? spec.secretEnv : {})) out.push({ name, secret, path: `secretEnv.${name}` });
  return out.sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.path, b.path));
}

/** A name in both `env` and `secretEnv`: the container would get it twice, and Kubernetes keeps the last. */
export function checkPropEnvNames(issues: IssueCollector, spec: PropEnvSpec): void {
  if (!isObject(spec.env) || !isObject(spec.secretEnv)) return;
  for (const name of Object.keys(spec.secretEnv).sort(compareStrings)) {
    if (Object.prototype.hasOwnProperty.call(spec.env, name)) {
      issues.add(
        `${name} is in both env.${name} and secretEnv.${name}`,
        'keep one: env for a literal value, secretEnv for a value from a Secret',
        `secretEnv.${name}`,
      );
    }
  }
}
