/**
 * LoRA adapters of a VllmModel, as pure functions: the checks, the `vllm serve` flags, the environment and
 * the init container that downloads pinned adapters.
 *
 * Upstream (vLLM v0.21):
 * - vllm/entrypoints/openai/cli_args.py `LoRAParserAction`: each `--lora-modules` value is `name=path` when it
 *   holds a '=' and no ',' (split on every '=', so a second one is an error), else a JSON object whose keys
 *   are `LoRAModulePath`'s (`name`, `path`, `base_model_name`). JSON is emitted here: any path fits in it.
 * - vllm/lora/utils.py `get_adapter_absolute_path`: an absolute path is used as it is; anything else that
 *   is not a local path is passed to `huggingface_hub.snapshot_download(repo_id=...)`, with no revision.
 * - vllm/config/lora.py `LoRAConfig`: `max_lora_rank` is one of 1, 8, 16, 32, 64, 128, 256, 320, 512
 *   (default 16); `max_loras` (LoRAs in one batch, default 1) is at least 1; `max_cpu_loras` defaults to it.
 * - docs/features/lora.md: `/v1/load_lora_adapter` and `/v1/unload_lora_adapter` exist only with
 *   `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`.
 */
import { LoraSource, VllmLoraAdapter } from './lora-source';
import { VllmModelProps } from './props';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { isHfRepoId, isRoutableModelName } from '../core/names';
import { checkInt } from '../core/validate';

/** vllm/config/lora.py `MaxLoRARanks`. */
export const MAX_LORA_RANKS: readonly number[] = [1, 8, 16, 32, 64, 128, 256, 320, 512];
/** The env var that turns on `/v1/load_lora_adapter` (vllm/envs.py). */
export const RUNTIME_LORA_ENV = 'VLLM_ALLOW_RUNTIME_LORA_UPDATING';
/** The init container that downloads adapters pinned to a commit. */
export const LORA_DOWNLOAD_CONTAINER = 'lora-download';
/** The flags LoRA props own, with the prop to use (merged into OWNED_FLAGS). */
export const LORA_OWNED_FLAGS: Readonly<Record<string, string>> = {
  '--enable-lora': 'use loraAdapters (or loraRuntimeUpdates), which turn LoRA on',
  '--no-enable-lora': 'remove loraAdapters and loraRuntimeUpdates',
  '--lora-modules': 'use loraAdapters: [{ name, source: LoraSource.huggingFace(...) or LoraSource.cachePath(...) }]',
  '--max-loras': 'use maxLoras',
  '--max-lora-rank': 'use maxLoraRank (or the adapters\' rank)',
};

const COMMIT = /^[0-9a-f]{40}$/;
const DOWNLOAD_SCRIPT = [
  'import sys',
  'from huggingface_hub import snapshot_download',
  'args = sys.argv[1:]',
  'for repo, revision in zip(args[0::2], args[1::2]):',
  '    print(snapshot_download(repo_id=repo, revision=revision), flush=True)',
].join('\n');

/** An adapter a model serves, by name, with where it comes from (what a registry records as model_id). */
export interface ServedAdapter {
  readonly name: string;
  readonly source: string;
}

/** What the model needs to know to check its adapters. */
export interface LoraContext {
  readonly servedModelName: string;
  readonly offline: boolean;
  /** Whether /cache is a persistent volume (a claim), not an emptyDir. */
  readonly persistentCache: boolean;
  readonly cacheDir: string;
}

/** Whether LoRA is on: adapters given, or runtime loading asked for. */
export function loraEnabled(props: VllmModelProps): boolean {
  return (props.loraAdapters !== undefined && props.loraAdapters.length > 0) || props.loraRuntimeUpdates === true;
}

/** The Hugging Face cache's snapshot directory of a repository at a commit (huggingface_hub's layout). */
export function snapshotPath(cacheDir: string, repository: string, commit: string): string {
  return `${cacheDir}/huggingface/hub/models--${repository.replace(/\//g, '--')}/snapshots/${commit}`;
}

/** The path vLLM is given for an adapter. */
function pathOf(source: LoraSource, cacheDir: string): string {
  if (source.path !== undefined) return source.path;
  return source.revision !== undefined ? snapshotPath(cacheDir, source.repository!, source.revision) : source.repository!;
}

/** Checks the LoRA props; every problem goes to `issues` (paths from the props' root). */
export function checkLora(issues: IssueCollector, props: VllmModelProps, ctx: LoraContext): void {
  const adapters = props.loraAdapters;
  if (adapters !== undefined && adapters.length === 0) {
    issues.add('the list is empty', 'remove loraAdapters, or give at least one { name, source }', 'loraAdapters');
  }
  const list = adapters ?? [];
  const seen = new Map<string, number>();
  list.forEach((adapter, i) => {
    const at = issues.at('loraAdapters').at(i);
    const name: unknown = adapter.name;
    if (typeof name !== 'string') {
      at.add('name is required', 'the model name clients request the adapter by, e.g. sql', 'name');
    } else if (!isRoutableModelName(name)) { // the registry's rule: every adapter can also be registered
      at.add(`'${name}' is not a valid adapter name`, 'use at most 256 letters, digits and . _ - : @ + /, starting and ending with a letter or digit', 'name');
    } else if (name === ctx.servedModelName) {
      at.add(`'${name}' is the served model name: requests for it would not say whether they want the adapter`, 'give the adapter another name', 'name');
    } else if (seen.has(name)) {
      at.add(`'${name}' is already the name of loraAdapters[${seen.get(name)}]`, 'give every adapter its own name: clients choose an adapter by name', 'name');
    } else {
      seen.set(name, i);
    }
    checkSource(at.at('source'), adapter.source, ctx);
    checkInt(at, 'rank', adapter.rank, 1, 512);
  });

  const maxLoras = props.maxLoras;
  checkInt(issues, 'maxLoras', maxLoras, 1, 1024);
  if (Number.isInteger(maxLoras) && maxLoras! >= 1 && maxLoras! < list.length) {
    issues.add(
      `${list.length} adapters but maxLoras ${maxLoras}: a batch could hold only ${maxLoras} of them, and vLLM keeps only that many in memory (max_cpu_loras defaults to max_loras), reloading the others from disk on every switch`,
      `raise maxLoras to ${list.length}, or leave it out (it defaults to the number of adapters)`,
      'maxLoras',
    );
  }
  const rank = props.maxLoraRank;
  if (rank !== undefined && !MAX_LORA_RANKS.includes(rank)) {
    issues.add(`${String(rank)} is not a rank vLLM accepts`, `one of: ${MAX_LORA_RANKS.join(', ')}`, 'maxLoraRank');
  } else if (rank !== undefined) {
    list.forEach((a, i) => {
      if (typeof a.rank === 'number' && a.rank > rank) {
        issues.add(`loraAdapters[${i}] ('${a.name}') has rank ${a.rank}, above maxLoraRank ${rank}: vLLM would refuse to load it`, `raise maxLoraRank to ${rankFor(a.rank)}, or leave it out`, 'maxLoraRank');
      }
    });
  }
  if (!loraEnabled(props)) {
    for (const f of ['maxLoras', 'maxLoraRank'] as const) {
      if (props[f] !== undefined) issues.add(`${f} has no effect without LoRA adapters`, 'add loraAdapters (or loraRuntimeUpdates: true), or remove it', f);
    }
  }
}

function checkSource(issues: IssueCollector, source: unknown, ctx: LoraContext): void {
  if (!(source instanceof LoraSource)) {
    issues.add('expected a LoraSource', 'use LoraSource.huggingFace(\'org/adapter\') or LoraSource.cachePath(\'/cache/adapters/name\')');
    return;
  }
  if (source.path !== undefined) {
    const p = source.path;
    if (typeof p !== 'string' || !p.startsWith(`${ctx.cacheDir}/`) || p.split('/').includes('..') || p.length <= ctx.cacheDir.length + 1) {
      issues.add(`'${String(p)}' is not on the cache volume`, `give a directory under ${ctx.cacheDir}/ (the cache volume), e.g. ${ctx.cacheDir}/adapters/sql`);
    } else if (!ctx.persistentCache) {
      issues.add('an adapter on the cache volume needs a persistent cache that holds it', 'set cache (e.g. { existingClaimName: \'models\', accessMode: \'ReadOnlyMany\' })');
    }
    return;
  }
  const repo = source.repository;
  if (!isHfRepoId(repo)) {
    issues.add(`'${String(repo)}' is not a Hugging Face repository ID`, 'e.g. org/llama-3.1-8b-sql-lora; an adapter on the cache volume is LoraSource.cachePath(...)');
  } else if (ctx.offline) {
    issues.add(
      `the model is offline (offline, or a ReadOnlyMany cache), so the adapter '${repo}' could never be downloaded`,
      `stage the adapter on the cache volume and use LoraSource.cachePath('${ctx.cacheDir}/...'), or make the model online`,
    );
  }
  const rev = source.revision;
  if (rev !== undefined && (typeof rev !== 'string' || !COMMIT.test(rev))) {
    issues.add(
      `revision '${String(rev)}' is not a commit: vLLM downloads adapters without a revision, so a pinned adapter is downloaded by an init container into the snapshot directory named by its commit`,
      'give the full 40-character commit hash (the Hub\'s "Files and versions" tab), or leave revision out',
    );
  }
}

/** The smallest rank vLLM accepts that holds `rank`. */
function rankFor(rank: number): number {
  return MAX_LORA_RANKS.find((r) => r >= rank) ?? MAX_LORA_RANKS[MAX_LORA_RANKS.length - 1];
}

/** `--enable-lora`, `--max-loras`, `--max-lora-rank` and `--lora-modules` for checked props; none without LoRA. */
export function loraArgs(props: VllmModelProps, servedModelName: string, cacheDir: string): string[] {
  if (!loraEnabled(props)) return [];
  const adapters = props.loraAdapters ?? [];
  const args = ['--enable-lora'];
  const maxLoras = props.maxLoras ?? (adapters.length > 0 ? adapters.length : undefined);
  if (maxLoras !== undefined) args.push('--max-loras', String(maxLoras));
  const ranks = adapters.map((a) => a.rank).filter((r): r is number => r !== undefined);
  const rank = props.maxLoraRank ?? (ranks.length > 0 ? rankFor(Math.max(...ranks)) : undefined);
  if (rank !== undefined) args.push('--max-lora-rank', String(rank));
  if (adapters.length > 0) {
    // One JSON object per adapter (LoRAParserAction reads each value on its own); keys in a fixed order.
    args.push('--lora-modules', ...adapters.map((a) => JSON.stringify({ name: a.name, path: pathOf(a.source, cacheDir), base_model_name: servedModelName })));
  }
  return args;
}

/** The env var that allows loading adapters at run time, only when asked for. */
export function loraEnv(props: VllmModelProps): k8s.EnvVar[] {
  return props.loraRuntimeUpdates === true ? [{ name: RUNTIME_LORA_ENV, value: 'True' }] : [];
}

/** The adapters a model serves, for clients (stacks, registries). */
export function servedAdapters(adapters: readonly VllmLoraAdapter[] | undefined): ServedAdapter[] {
  return (adapters ?? []).map((a) => ({ name: a.name, source: a.source.path ?? a.source.repository! }));
}

/**
 * The init container that downloads the adapters pinned to a commit into the cache volume, or undefined
 * when there are none. It runs the model's image, environment (HF_HOME, HF_TOKEN, HF_ENDPOINT) and
 * security context; repositories and commits are arguments, never part of the script.
 */
export function loraDownloadContainer(
  props: VllmModelProps, base: { image: string; env: k8s.EnvVar[]; securityContext: k8s.SecurityContext; volumeMounts: k8s.VolumeMount[] },
): k8s.Container | undefined {
  const pinned = (props.loraAdapters ?? []).filter((a) => a.source.repository !== undefined && a.source.revision !== undefined);
  if (pinned.length === 0) return undefined;
  return {
    name: LORA_DOWNLOAD_CONTAINER,
    image: base.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['python3', '-c', DOWNLOAD_SCRIPT],
    args: pinned.flatMap((a) => [a.source.repository!, a.source.revision!]),
    env: base.env,
    resources: {
      requests: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('512Mi') },
      limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
    },
    securityContext: base.securityContext,
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: base.volumeMounts,
  };
}
