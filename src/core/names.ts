const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const MAX_NAME_LENGTH = 63;

export function isDns1123Label(name: unknown): boolean {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH && DNS1123_LABEL.test(name);
}

export function isDnsSubdomain(name: unknown): boolean {
  return typeof name === 'string' && name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

export function isEnvVarName(name: unknown): boolean {
  return typeof name === 'string' && ENV_VAR_NAME.test(name);
}

/** `LLSD_<PART>_<PART>`: upper case, every character outside [A-Z0-9] becomes `_`. */
export function llsdEnvName(...parts: string[]): string {
  return ['LLSD', ...parts].map((p) => p.toUpperCase().replace(/[^A-Z0-9]/g, '_')).join('_');
}

/** camelCase to snake_case (`vectorIo` -> `vector_io`). */
export function toSnakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** snake_case to camelCase (`vector_io` -> `vectorIo`). */
export function toCamelCase(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Env names that suggest a secret, whose literal value would end up in the pod spec. */
export function looksSecret(name: string): boolean {
  return /(^|_)(KEY|APIKEY|API_KEY|TOKEN|PASSWORD|PASSWD|PWD|SECRET|CREDENTIALS?|AUTH)($|_)/i.test(name);
}

/** Never echo a password from a URL into a message. */
export function redactUrl(text: string): string {
  return text.replace(/(^|\/\/)([^:@/\s]*):[^@/\s]*@/, '$1$2:***@');
}

/**
 * A model name clients route by (a registry row's `model_name`, a LoRA adapter's name): at most 256 letters,
 * digits and `. _ - : @ + /`, starting with a letter or digit and ending with one or `_`, no `//`.
 */
export function isRoutableModelName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 256 && /^[A-Za-z0-9](?:[A-Za-z0-9._:@+/-]*[A-Za-z0-9_])?$/.test(name) && !name.includes('//');
}

/** A Hugging Face repository ID: `name` or `org/name`. */
export function isHfRepoId(id: unknown): id is string {
  return typeof id === 'string' && /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(id);
}
