#!/usr/bin/env node
/**
 * `kubectl llamastack doctor` (the package's `kubectl-llamastack` bin, a kubectl plugin when on PATH):
 * reads the synthesized manifests and the live state (kubectl get, or a saved JSON file), and prints what
 * differs and what fails, per construct. Exit code 0 healthy, 1 problems, 2 usage. Not part of the
 * library's API (not exported from index.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { constructKey, diagnose, DoctorReport, LiveInput } from './diagnose';
import { DeclaredConstruct, inventory, isSecret, K8sObject, listItems, parseManifests } from './inventory';
import { KubectlOptions, KubectlRunner, ProbeResult, readLiveState, runProbes, spawnKubectl } from './kubectl';
import { renderHuman, renderJson } from './render';
import { compareStrings } from '../core/order';

export const USAGE = `Usage: kubectl llamastack doctor [FILE|DIR ...] [options]

Compares the synthesized manifests of cdk8s-llama-stack constructs with the cluster, per construct.

  FILE|DIR             manifests (YAML or JSON); a directory is read for *.yaml, *.yml, *.json
                       (default: dist/)
  --state FILE         the live state from a file (a kubectl List, e.g. kubectl get ... -o json),
                       instead of reading the cluster
  --json               print the report as JSON (schemaVersion 1)
  --probe              also call /v1/health, /v1/version, /v1/providers (stacks) and /health
                       (models) through the API server's Service proxy (kubectl get --raw)
  --namespace NS       namespace of objects that have none (default: default)
  --context NAME       kubeconfig context
  --kubeconfig FILE    kubeconfig file
  -h, --help           this text

Reads with kubectl get only, never Secrets. Exit code: 0 healthy, 1 problems, 2 usage.
`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly now: () => Date;
  readonly kubectl: KubectlRunner;
}

interface Options {
  readonly inputs: string[];
  readonly state?: string;
  readonly json: boolean;
  readonly probe: boolean;
  readonly namespace: string;
  readonly kubectl: KubectlOptions;
}

class UsageError extends Error {}

function parseArgs(args: readonly string[]): Options | 'help' {
  const inputs: string[] = [];
  let state: string | undefined;
  let json = false;
  let probe = false;
  let namespace = 'default';
  let context: string | undefined;
  let kubeconfig: string | undefined;
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('-')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, flag);
      i++;
      return v;
    };
    switch (flag) {
      case '-h': case '--help': return 'help';
      case '--json': json = true; break;
      case '--probe': probe = true; break;
      case '--state': state = take(); break;
      case '--namespace': case '-n': namespace = take(); break;
      case '--context': context = take(); break;
      case '--kubeconfig': kubeconfig = take(); break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        inputs.push(a);
    }
  }
  if (state !== undefined && probe) throw new UsageError('--probe reads the cluster; it cannot be combined with --state');
  return { inputs, state, json, probe, namespace, kubectl: { context, kubeconfig } };
}

/** The manifest files of the inputs (directories: their *.yaml, *.yml, *.json, sorted), read. */
function readManifests(inputs: readonly string[], cwd: string): K8sObject[] {
  const files: string[] = [];
  for (const input of inputs.length > 0 ? inputs : ['dist']) {
    const p = path.resolve(cwd, input);
    if (!fs.existsSync(p)) throw new UsageError(`${input}: no such file or directory${inputs.length === 0 ? ' (run cdk8s synth first, or name the manifests)' : ''}`);
    if (fs.statSync(p).isDirectory()) {
      files.push(...fs.readdirSync(p).filter((f) => /\.(ya?ml|json)$/.test(f)).sort(compareStrings).map((f) => path.join(p, f)));
    } else {
      files.push(p);
    }
  }
  const out: K8sObject[] = [];
  for (const f of files) {
    try {
      out.push(...parseManifests(fs.readFileSync(f, 'utf8'), path.relative(cwd, f) || f));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return out;
}

function readState(file: string, cwd: string): LiveInput {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(path.resolve(cwd, file), 'utf8'));
  } catch (err) {
    throw new UsageError(`--state ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  return { objects: listItems(doc).filter((o: any) => o && typeof o === 'object' && o.metadata && !isSecret(o)) };
}

/** Runs `doctor` with these arguments (after `doctor`); returns the exit code. */
export function doctor(args: readonly string[], io: CliIo): number {
  let options: Options | 'help';
  let declared: DeclaredConstruct[];
  let live: LiveInput;
  try {
    options = parseArgs(args);
    if (options === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    declared = inventory(readManifests(options.inputs, io.cwd), options.namespace);
    live = options.state !== undefined ? readState(options.state, io.cwd) : undefined as any;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`error: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!live) {
    live = readLiveState(declared, io.kubectl, options.kubectl);
    if (options.probe) {
      const probes: Record<string, ProbeResult[]> = {};
      for (const c of declared) {
        const r = runProbes(c, io.kubectl, options.kubectl);
        if (r.length > 0) probes[constructKey(c)] = r;
      }
      live = { ...live, probes };
    }
  }
  const report: DoctorReport = diagnose(declared, live, io.now());
  io.stdout(options.json ? renderJson(report) : renderHuman(report));
  return report.healthy ? 0 : 1;
}

/** `kubectl-llamastack <command> ...`. */
export function main(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  if (command === 'doctor') return doctor(rest, io);
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  io.stderr(`error: unknown command '${command}' (the command is doctor)\n\n${USAGE}`);
  return 2;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    now: () => new Date(),
    kubectl: spawnKubectl,
  });
}
