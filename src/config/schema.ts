import { CatalogProvider, JsonSchema } from './catalog';
import { didYouMean, IssueCollector } from '../core/errors';

/**
 * Unknown-key detection against a provider's pydantic JSON schema. Llama Stack ignores unknown keys
 * silently (pydantic `extra=ignore`), so a typo would be lost without a word; here it is an error.
 * Only keys are checked: values may be `${env.X}` placeholders whose type is known only at run time.
 */
export function checkProviderConfig(issues: IssueCollector, config: Record<string, unknown>, provider: CatalogProvider): void {
  const schema = provider.configSchema;
  const defs = (schema.$defs ?? {}) as Record<string, JsonSchema>;
  if (provider.extraKeys !== 'allow') {
    const known = new Set([...provider.acceptedKeys, ...Object.keys(schema.properties ?? {})]);
    for (const key of Object.keys(config)) {
      if (!known.has(key)) {
        issues.add(
          `unknown config key '${key}' for ${provider.providerType}`,
          didYouMean(key, [...known]) ?? `known keys: ${[...known].sort().join(', ')}`,
          key,
        );
      }
    }
  }
  for (const [key, value] of Object.entries(config)) {
    const sub = schema.properties?.[key];
    if (sub) checkValue(issues.at(key), value, sub, defs);
  }
}

function deref(schema: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema {
  let s = schema;
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    const name = (s.$ref as string).replace('#/$defs/', '');
    s = { ...defs[name], ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) };
  }
  return s;
}

function checkValue(issues: IssueCollector, value: unknown, schemaIn: JsonSchema, defs: Record<string, JsonSchema>): void {
  const schema = deref(schemaIn, defs);
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (branches) {
    checkBranches(issues, value, branches.map((b) => deref(b, defs)), schema.discriminator, defs);
    return;
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => checkValue(issues.at(i), v, schema.items, defs));
    return;
  }
  if (!isObject(value)) return;
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  const extra = schema.additionalProperties;
  for (const [key, v] of Object.entries(value)) {
    if (props && key in props) {
      checkValue(issues.at(key), v, props[key], defs);
    } else if (extra && typeof extra === 'object') {
      checkValue(issues.at(key), v, extra, defs);
    } else if (props && extra !== true) {
      const known = Object.keys(props);
      issues.add(`unknown config key '${key}'`, didYouMean(key, known) ?? `known keys: ${known.sort().join(', ')}`, key);
    }
  }
}

function checkBranches(
  issues: IssueCollector,
  value: unknown,
  branches: JsonSchema[],
  discriminator: { propertyName?: string; mapping?: Record<string, string> } | undefined,
  defs: Record<string, JsonSchema>,
): void {
  if (!isObject(value) && !Array.isArray(value)) return;
  if (discriminator?.propertyName && isObject(value)) {
    const tag = value[discriminator.propertyName];
    const ref = typeof tag === 'string' ? discriminator.mapping?.[tag] : undefined;
    if (ref) {
      checkValue(issues, value, { $ref: ref }, defs);
      return;
    }
  }
  const candidates = branches.filter((b) => (Array.isArray(value) ? b.type === 'array' : b.type === 'object' || b.properties));
  if (candidates.length === 0) return;
  // The branch that fits best decides: report its problems only if no branch fits cleanly.
  let best: IssueCollector | undefined;
  for (const b of candidates) {
    const trial = new IssueCollector(issues.path());
    checkValue(trial, value, b, defs);
    if (!trial.hasIssues) return;
    if (!best || trial.issues.length < best.issues.length) best = trial;
  }
  for (const i of best!.issues) issues.add(i.message, i.hint, i.path.slice(issues.path().length).replace(/^\./, ''));
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
