import { CatalogProvider, JsonSchema } from './catalog';
import { didYouMean, IssueCollector } from '../core/errors';
import { isObject } from '../core/validate';

export { isObject };

/**
 * Checks a provider's config against its pydantic JSON schema. Unknown keys: Llama Stack ignores them
 * silently (pydantic `extra=ignore`), so a typo would be lost without a word; here it is an error. Literal
 * values are checked against the field types the way pydantic's lax mode would accept them (so `'4096'`
 * passes for an int); `${env.X}` placeholders are known only at run time and are not type-checked.
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
  if (!isObject(value) && !Array.isArray(value) && !isPlaceholder(value)) {
    const alternatives = (branches ?? [schema]).map((b) => deref(b, defs));
    if (!alternatives.some((alt) => acceptsScalar(alt, value))) {
      issues.add(`${describe(value)} is not ${alternatives.map(typeName).filter((t, i, a) => a.indexOf(t) === i).join(' or ')}`, 'give a value of that type');
    }
    return;
  }
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
    const tag = (value as Record<string, unknown>)[discriminator.propertyName];
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

function isPlaceholder(v: unknown): boolean {
  return typeof v === 'string' && v.includes('${env.');
}

const BOOL_STRINGS = ['0', '1', 'true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', 'on', 'off'];

/** Whether pydantic (lax mode) would accept a scalar for this schema; schemas without a type accept anything. */
function acceptsScalar(schema: JsonSchema, v: unknown): boolean {
  if (Array.isArray(schema.enum)) return schema.enum.includes(v);
  if (schema.const !== undefined) return schema.const === v;
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return !schema.properties && !schema.items;
  return types.some((t) => {
    switch (t) {
      case 'null': return v === null;
      case 'string': return typeof v === 'string';
      case 'integer': return typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v));
      case 'number': return typeof v === 'boolean' || typeof v === 'number'
        || (typeof v === 'string' && ((v.trim() !== '' && !Number.isNaN(Number(v))) || /^\s*[-+]?(inf|infinity|nan)\s*$/i.test(v)));
      case 'boolean': return typeof v === 'boolean' || v === 0 || v === 1 || (typeof v === 'string' && BOOL_STRINGS.includes(v.toLowerCase()));
      default: return false; // object/array: a scalar does not fit
    }
  });
}

function typeName(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((e: unknown) => JSON.stringify(e)).join(', ')}`;
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ['an object'];
  return types.map((t) => ({ integer: 'an integer', number: 'a number', boolean: 'a boolean', string: 'a string', null: 'null', object: 'an object', array: 'a list' } as Record<string, string>)[t] ?? t).join(' or ');
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v === 'string' ? `'${v}'` : String(v);
}

