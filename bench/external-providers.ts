// External-provider install time (seed target: under 30 s per provider with 5-10 dependencies). Synthesizes
// a LlamaStack with 1, 5 and 10 discovered providers, each with 5 dependency wheels, and runs its init
// containers for real (local sh, python3 and pip --no-index), as test/external-provider/runtime.test.ts does.
// Run alone with `npx ts-node --transpile-only bench/external-providers.ts`; bench/run.ts calls it too.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { ExternalProvider, LlamaStack } from '../src';
import { depWheel, fakeProviderImage, FakeWheel, Obj, runPod } from '../test/external-provider/support';

export const EXTERNAL_PROVIDER_TARGET_SECONDS = 30;
const DEPENDENCIES = 5;

export interface ExternalProviderBenchResult {
  /** Providers installed together. */
  readonly providers: number;
  /** Wheels installed (provider wheels and their dependencies). */
  readonly wheels: number;
  /** All provider-<id> copy containers together. */
  readonly copySeconds: number;
  /** The install-providers container. */
  readonly installSeconds: number;
  /** The install step's own breakdown (validate, pip install, import checks, image package check, ...). */
  readonly installSteps: { [step: string]: number };
  readonly totalSeconds: number;
  readonly perProviderSeconds: number;
  /** perProviderSeconds < 30. */
  readonly targetMet: boolean;
}

/** Provider i with 5 dependency wheels: a chain (dep 1 needs dep 2, ...) plus one dependency shared by all. */
function provider(i: number): { packageName: string; providerType: string; api: string; requires: string[]; deps: FakeWheel[] } {
  const deps = Array.from({ length: DEPENDENCIES - 1 }, (_, j) => depWheel(`p${i}-dep-${j}`, '1.0.0', j + 1 < DEPENDENCIES - 1 ? [`p${i}-dep-${j + 1}>=1`] : []));
  return {
    packageName: `bench_provider_${i}`,
    providerType: `remote::bench-${i}`,
    api: 'inference',
    requires: [`p${i}-dep-0==1.0.0`, 'bench-shared>=1,<2'],
    deps: [...deps, depWheel('bench-shared', '1.4.0')],
  };
}

/** Installs n providers once; returns the figures. */
export function benchInstall(n: number): ExternalProviderBenchResult {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ext-'));
  try {
    const images: Record<string, string> = {};
    const providers = Array.from({ length: n }, (_, i) => {
      const image = `quay.io/bench/provider-${i}:1.0.0`;
      images[image] = fakeProviderImage(path.join(root, `image-${i}`), provider(i));
      return ExternalProvider.fromImage({ id: `bench-${i}`, image, config: { base_url: `http://bench-${i}.models.svc:8080` } });
    });
    const chart = Testing.chart();
    new LlamaStack(chart, 'bench', { distribution: { name: 'starter' }, externalProviders: { inference: providers } });
    const run = runPod(Testing.synth(chart) as Obj[], { images });
    const failed = run.runs.find((r) => r.status !== 0);
    if (failed) throw new Error(`${failed.name} failed:\n${failed.terminationLog || failed.stderr}`);
    const install = run.run('install-providers');
    const copySeconds = run.runs.filter((r) => r.name.startsWith('provider-')).reduce((s, r) => s + r.seconds, 0);
    const installSteps: Record<string, number> = {};
    for (const m of (/Timings: (.*)/.exec(install.terminationLog)?.[1] ?? '').matchAll(/([a-z ]+) ([\d.]+)s/g)) installSteps[m[1].trim()] = Number(m[2]);
    const totalSeconds = copySeconds + install.seconds;
    fs.rmSync(run.root, { recursive: true, force: true });
    return {
      providers: n,
      // Each provider bundles 5 dependency wheels: 4 of its own and the shared one (installed once).
      wheels: n + n * (DEPENDENCIES - 1) + 1,
      copySeconds,
      installSeconds: install.seconds,
      installSteps,
      totalSeconds,
      perProviderSeconds: totalSeconds / n,
      targetMet: totalSeconds / n < EXTERNAL_PROVIDER_TARGET_SECONDS,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Runs the install for 1, 5 and 10 providers (5 dependency wheels each), prints a table, returns the figures. */
export function benchExternalProviders(counts: number[] = [1, 5, 10], log: (line: string) => void = console.log): ExternalProviderBenchResult[] {
  const results = counts.map(benchInstall);
  log('\n| external providers | wheels | copy (s) | install (s) | pip install (s) | import checks (s) | per provider (s) | target < 30 s |');
  log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    log(`| ${r.providers} | ${r.wheels} | ${r.copySeconds.toFixed(2)} | ${r.installSeconds.toFixed(2)} | ${(r.installSteps['install wheels'] ?? NaN).toFixed(2)} `
      + `| ${(r.installSteps['import providers'] ?? NaN).toFixed(2)} | ${r.perProviderSeconds.toFixed(2)} | ${r.targetMet ? 'met' : 'MISSED'} |`);
  }
  return results;
}

if (require.main === module) benchExternalProviders();
