import * as fs from 'fs';
import * as path from 'path';
import { DATA_DIR, LLAMA_STACK_VERSION } from './catalog';
import { isObject } from './schema';
import { DistributionSpec } from './types';
import { IssueCollector } from '../core/errors';
import { imageProblem } from '../core/images';
import { parseYamlMapping } from '../core/yaml';

/** Distributions whose 0.7.1 images are published, with the config each image embeds. */
export const DISTRIBUTIONS: readonly string[] = ['postgres-demo', 'starter'];

export const SUPPORTED_CONFIG_VERSIONS: readonly number[] = [2];

export function distributionImage(name: string): string {
  return `docker.io/llamastack/distribution-${name}:${LLAMA_STACK_VERSION}`;
}

const baseTextCache = new Map<string, string>();
/** Parsed base configs as JSON text: JSON.parse of it is a cheaper deep copy than structuredClone. */
const baseCache = new Map<string, string>();

/** The base config text a named distribution's image embeds. */
export function distributionBaseConfigText(name: string): string {
  let text = baseTextCache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(DATA_DIR, `${name}.config.yaml`), 'utf8');
    baseTextCache.set(name, text);
  }
  return text;
}

export interface ResolvedDistribution {
  readonly image: string;
  /** A fresh copy of the base config, safe to mutate. */
  readonly base: Record<string, unknown>;
  /** `distro_name` of the base (used in default paths). */
  readonly distroName: string;
}

/**
 * Picks the image and base config. `imageOverrides` maps distribution names to images (a mirror
 * registry, say), like the operator's image-overrides ConfigMap.
 */
export function resolveDistribution(
  issues: IssueCollector,
  spec: DistributionSpec | undefined,
  imageOverrides: Record<string, string> = {},
  needsBaseConfig = true,
): ResolvedDistribution | undefined {
  const at = issues.at('distribution');
  if (!spec || (spec.name === undefined && spec.image === undefined)) {
    at.add('one of name or image must be specified', `use { name: '${DISTRIBUTIONS.join("' } or { name: '")}' } or { image: '...', baseConfig: '...' }`);
    return undefined;
  }
  if (spec.name !== undefined && spec.image !== undefined) {
    at.add('only one of name or image can be specified', 'give name for a distribution shipped with Llama Stack, or image for a custom one');
    return undefined;
  }
  for (const [name, image] of Object.entries(imageOverrides)) {
    const problem = imageProblem(image);
    if (problem) issues.at(`imageOverrides.${name}`).add(problem.message, problem.hint);
  }
  if (spec.name !== undefined) {
    if (!DISTRIBUTIONS.includes(spec.name)) {
      at.add(`unknown distribution "${spec.name}"; available distributions: ${DISTRIBUTIONS.join(', ')}`, 'use one of those names, or give image and baseConfig for a custom distribution', 'name');
      return undefined;
    }
    if (spec.baseConfig !== undefined) {
      at.add('baseConfig is only used with image', `remove baseConfig; the ${spec.name} image embeds its own config`, 'baseConfig');
    }
    const base = parseBase(at.at('name'), distributionBaseConfigText(spec.name), spec.name);
    return base && { image: imageOverrides[spec.name] ?? distributionImage(spec.name), base, distroName: spec.name };
  }
  const image = spec.image!;
  const problem = imageProblem(image);
  if (problem) at.add(problem.message, problem.hint, 'image');
  if (spec.baseConfig === undefined) {
    if (needsBaseConfig) {
      at.add(
        'a custom image needs its base config',
        'give distribution.baseConfig (the config.yaml the image starts from) or overrideConfig.configMapName',
        'image',
      );
      return undefined;
    }
    return { image, base: {}, distroName: '' };
  }
  const base = parseBase(at.at('baseConfig'), spec.baseConfig, undefined);
  if (!base) return undefined;
  const distroName = typeof base.distro_name === 'string' ? base.distro_name : typeof base.image_name === 'string' ? base.image_name : '';
  if (!distroName) at.add("the base config has no 'distro_name'", 'add distro_name: <name> to it (Llama Stack requires distro_name or image_name)', 'baseConfig');
  return { image, base, distroName };
}

function parseBase(issues: IssueCollector, text: string, cacheKey: string | undefined): Record<string, unknown> | undefined {
  const cached = cacheKey ? baseCache.get(cacheKey) : undefined;
  if (cached) return JSON.parse(cached);
  const doc = parseYamlMapping(issues, text, 'the text of a Llama Stack config.yaml');
  if (!doc) return undefined;
  const version = doc.version;
  if (!SUPPORTED_CONFIG_VERSIONS.includes(Number(version))) {
    issues.add(
      `Unsupported config.yaml version ${String(version)}. Supported versions: ${SUPPORTED_CONFIG_VERSIONS.join(', ')}`,
      'use a base config written for Llama Stack 0.7 (version: 2)',
    );
    return undefined;
  }
  if (!isObject(doc.providers)) {
    issues.add("the base config has no 'providers' mapping", 'a Llama Stack config.yaml needs providers: {<api>: [...]}');
    return undefined;
  }
  if (cacheKey) baseCache.set(cacheKey, JSON.stringify(doc));
  return doc;
}
