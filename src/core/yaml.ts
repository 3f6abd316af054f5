import { createHash } from 'crypto';
import * as jsyaml from 'js-yaml';

/**
 * Strings that YAML 1.1 (PyYAML, which reads config.yaml) would take for numbers but YAML 1.2 would not:
 * underscores (`1_000`), binary, sexagesimal (`1:30`). Declaring them as an implicit type of the dump
 * schema makes js-yaml quote such strings, as it already does for `yes`/`on` and YAML 1.2 numbers.
 */
const YAML11_NUMBER = new jsyaml.Type('tag:cdk8s-llama-stack/yaml11-number', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string'
    && /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9_]+([eE][-+]?[0-9]+)?)$/.test(data),
  construct: (data: string) => data,
});
const DUMP_SCHEMA = jsyaml.DEFAULT_SCHEMA.extend({ implicit: [YAML11_NUMBER] });

/**
 * Deterministic YAML: no anchors, no line folding, keys in the order the object has them (callers put
 * objects in canonical order first). Strings a YAML 1.1 reader would take for another type are quoted.
 */
export function toYaml(value: unknown): string {
  return jsyaml.dump(value, { noRefs: true, lineWidth: -1, sortKeys: false, schema: DUMP_SCHEMA });
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
