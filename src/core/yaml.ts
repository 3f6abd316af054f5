import { createHash } from 'crypto';
import * as jsyaml from 'js-yaml';

/**
 * Deterministic YAML: no anchors, no line folding, keys in the order the object has them
 * (callers put objects in canonical order first). js-yaml quotes YAML 1.1 booleans such as
 * `yes`/`on`, which matters because Llama Stack reads config.yaml with PyYAML (YAML 1.1).
 */
export function toYaml(value: unknown): string {
  return jsyaml.dump(value, { noRefs: true, lineWidth: -1, sortKeys: false });
}

/** Parses YAML text; errors carry the line and column. */
export function parseYaml(text: string): unknown {
  return jsyaml.load(text, { schema: jsyaml.DEFAULT_SCHEMA });
}

/** Describes a YAML parse error with its position, for validation messages. */
export function yamlErrorMessage(err: unknown): string {
  if (err instanceof jsyaml.YAMLException) {
    const mark = err.mark;
    const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    return `invalid YAML${where}: ${err.reason}`;
  }
  return `invalid YAML: ${String(err)}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
