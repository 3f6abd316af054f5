/**
 * `vllm serve` flags: the list of a pinned vLLM release, and the checks `extraArgs` go through.
 *
 * Unknown flags make vLLM exit at start-up ("unrecognized arguments"), so the pod crash-loops; here
 * they are synth errors. Lists are keyed by vLLM version so a newer image pin brings its own list.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LORA_OWNED_FLAGS } from './lora';
import { didYouMean, IssueCollector } from '../core/errors';

/** The vLLM release the construct pins by default. */
export const DEFAULT_VLLM_VERSION = 'v0.21.0';

/** Versions whose flag list ships with the package (`data/vllm/<version>/flags.txt`). */
export const KNOWN_VLLM_VERSIONS: readonly string[] = ['v0.21.0'];

const DATA_DIR = path.join(__dirname, '../../data/vllm');
const cache = new Map<string, ReadonlySet<string>>();

/** Every long option of `vllm serve` in that release, or undefined when no list ships for it. */
export function flagSet(version: string): ReadonlySet<string> | undefined {
  if (!KNOWN_VLLM_VERSIONS.includes(version)) return undefined;
  let set = cache.get(version);
  if (!set) {
    const text = fs.readFileSync(path.join(DATA_DIR, version, 'flags.txt'), 'utf8');
    set = new Set(text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('--')));
    cache.set(version, set);
  }
  return set;
}

/** Flags earlier releases had and public manifests still pass: what to write instead. */
export const REMOVED_FLAGS: Readonly<Record<string, string>> = {
  '--disable-log-requests': 'remove it: request logging is off by default (--no-enable-log-requests)',
  '--swap-space': 'remove it: CPU swap space was removed in vLLM 0.17; see --kv-offloading-size',
  '--num-scheduler-steps': 'remove it: multi-step scheduling was removed with the V0 engine',
  '--max-seq-len-to-capture': 'remove it, or use --max-cudagraph-capture-size',
  '--task': 'use --runner (generate, pooling) or --convert (embed, classify, reward)',
  '--device': 'remove it: vLLM detects the device',
  '--guided-decoding-backend': 'use --structured-outputs-config.backend',
  '--disable-frontend-multiprocessing': 'remove it: the frontend always runs in its own process',
  '--use-v2-block-manager': 'remove it: the V0 block managers are gone',
  '--enable-prompt-adapter': 'remove it: prompt adapters were removed with the V0 engine',
  '--speculative-model': 'use --speculative-config \'{"model": "..."}\'',
  '--num-speculative-tokens': 'use --speculative-config \'{"num_speculative_tokens": N}\'',
  '--ngram-prompt-lookup-max': 'use --speculative-config \'{"method": "ngram", "prompt_lookup_max": N}\'',
  '--ngram-prompt-lookup-min': 'use --speculative-config \'{"method": "ngram", "prompt_lookup_min": N}\'',
  '--tokenizer-pool-size': 'remove it: tokenizer pools were removed',
  '--tokenizer-pool-type': 'remove it: tokenizer pools were removed',
  '--tokenizer-pool-extra-config': 'remove it: tokenizer pools were removed',
};

/** Short aliases and what they stand for. */
export const SHORT_FLAGS: Readonly<Record<string, string>> = {
  '-q': '--quantization',
  '-tp': '--tensor-parallel-size',
  '-pp': '--pipeline-parallel-size',
  '-dp': '--data-parallel-size',
  '-dcp': '--decode-context-parallel-size',
  '-pcp': '--prefill-context-parallel-size',
  '-n': '--nnodes',
  '-r': '--node-rank',
  '-dpn': '--data-parallel-rank',
  '-dpr': '--data-parallel-start-rank',
  '-dpl': '--data-parallel-size-local',
  '-dpa': '--data-parallel-address',
  '-dpp': '--data-parallel-rpc-port',
  '-dpb': '--data-parallel-backend',
  '-dph': '--data-parallel-hybrid-lb',
  '-dpe': '--data-parallel-external-lb',
  '-ep': '--enable-expert-parallel',
  '-sc': '--speculative-config',
  '-cc': '--compilation-config',
  '-ac': '--attention-config',
  '-asc': '--api-server-count',
  '-O': '--optimization-level',
};

/**
 * Flags the construct sets itself or that would break what it builds (the port the probes and
 * Service use, the GPU count, the secrets), with the prop to use instead.
 */
export const OWNED_FLAGS: Readonly<Record<string, string>> = {
  '--model': 'set the model with the model prop',
  '--served-model-name': 'use servedModelName',
  '--port': 'the server listens on 8000, which the probes, Service and NetworkPolicy use',
  '--host': 'the server listens on all interfaces so the Service can reach it',
  '--uds': 'the Service needs a TCP port',
  '--tensor-parallel-size': 'use tensorParallelSize (it sizes the GPU request)',
  '--pipeline-parallel-size': 'use pipelineParallelSize (it sizes the GPU request)',
  '--data-parallel-size': 'use replicas: one pod per data-parallel rank is how this construct scales',
  '--data-parallel-size-local': 'use replicas',
  '--prefill-context-parallel-size': 'it multiplies the GPUs a pod needs, which the construct sizes from tensorParallelSize x pipelineParallelSize',
  '--nnodes': 'use nodes (a LeaderWorkerSet of that many pods per replica)',
  '--node-rank': 'with nodes, each pod of a group gets its rank from the LeaderWorkerSet',
  '--headless': 'with nodes, the construct runs the worker pods headless and the leader with the API server',
  '--master-addr': 'with nodes, the workers reach the leader at the LeaderWorkerSet\'s leader address',
  '--master-port': 'with nodes, the construct sets the rendezvous port (29501)',
  '--max-model-len': 'use maxModelLen',
  '--runner': 'use runner',
  '--convert': 'use convert',
  '--gpu-memory-utilization': 'use gpuMemoryUtilization',
  '--api-key': 'use apiKey (a Secret; a flag would put the key in the pod spec)',
  '--hf-token': 'use hfToken (a Secret; a flag would put the token in the pod spec)',
  '--chat-template': 'use chatTemplate (shipped in a ConfigMap)',
  '--generation-config': 'use generationConfig (shipped in a ConfigMap)',
  '--shutdown-timeout': 'use drainSeconds (it also sizes the grace period)',
  '--ssl-keyfile': 'TLS on the model server would break the HTTP probes; terminate TLS in front of it',
  '--ssl-certfile': 'TLS on the model server would break the HTTP probes; terminate TLS in front of it',
  '--grpc': 'the Service, probes and clients speak HTTP',
  '--revision': 'use revision',
  '--trust-remote-code': 'use trustRemoteCode',
  '--no-trust-remote-code': 'use trustRemoteCode',
  '--dtype': 'use dtype',
  '--quantization': 'use quantization',
  '--max-num-seqs': 'use maxNumSeqs',
  '--enable-prefix-caching': 'use enablePrefixCaching',
  '--no-enable-prefix-caching': 'use enablePrefixCaching',
  '--enforce-eager': 'use enforceEager',
  '--tool-call-parser': 'use toolCallParser',
  '--enable-auto-tool-choice': 'use toolCallParser (it turns automatic tool choice on)',
  '--reasoning-parser': 'use reasoningParser',
  '--config': 'give settings as props or extraArgs, which are checked here; a --config file would bypass the checks',
  '--download-dir': 'weights go to the cache volume (HF_HOME); use cache',
  '--disable-access-log-for-endpoints': 'the construct already keeps probes and scrapes out of the access log',
  ...LORA_OWNED_FLAGS,
};

/** The flag name of an argument (`--a_b=1` -> `--a-b`, `--cfg.key+` -> `--cfg`, `-O3` -> `-O`). */
export function flagName(arg: string): string {
  if (/^-O\d/.test(arg)) return '-O';
  const name = arg.split('=')[0];
  if (!name.startsWith('--')) return name;
  return name.split('.')[0].replace(/_/g, '-');
}

/** Whether a token is a flag (negative numbers such as `--max-model-len -1` are values). */
function isFlag(arg: string): boolean {
  return arg.startsWith('-') && !/^-\d/.test(arg) && arg !== '-';
}

/**
 * Checks each flag of `args` against the release's list: exact names only (vLLM would accept
 * abbreviations; we don't, so a typo cannot silently mean another flag), removed flags with their
 * replacement, flags the construct owns with the prop to use. Values are not checked.
 */
export function checkExtraArgs(issues: IssueCollector, args: readonly string[], version: string): void {
  const known = flagSet(version);
  if (!known) return;
  const names = [...known];
  args.forEach((arg, i) => {
    if (typeof arg !== 'string') {
      issues.add('expected a string', 'write every flag and value as its own string, e.g. [\'--max-num-seqs\', \'128\']', i);
      return;
    }
    if (!isFlag(arg)) {
      if (i === 0) issues.add(`'${arg}' is not a flag`, 'the model is set by the model prop; extraArgs holds flags and their values', i);
      return;
    }
    const short = SHORT_FLAGS[flagName(arg)];
    const name = short ?? flagName(arg);
    const owned = OWNED_FLAGS[name];
    if (owned !== undefined) {
      issues.add(`${arg} is set by the construct`, owned, i);
    } else if (REMOVED_FLAGS[name] !== undefined) {
      issues.add(`${name} no longer exists in vLLM ${version} (the server would exit with "unrecognized arguments")`, REMOVED_FLAGS[name], i);
    } else if (!known.has(name)) {
      const prefixOf = names.filter((n) => n.startsWith(name));
      const hint = prefixOf.length === 1
        ? `did you mean '${prefixOf[0]}'? Write flags in full`
        : didYouMean(name, names) ?? `see \`vllm serve --help\` for ${version}`;
      issues.add(`unknown vLLM ${version} flag '${name}' (the server would exit with "unrecognized arguments")`, hint, i);
    }
  });
}
