// Timing helpers shared by the benchmarks.
import { ApiObject, App, Chart, Testing } from 'cdk8s';

/** Runs `fn` n times, timing each call; returns the samples in ms, sorted ascending. */
export function measure(fn: () => void, n: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

/** Nearest-rank percentile of ascending samples. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The same manifests as raw ApiObjects in one chart (they carry their namespaces); returns what they synthesize to. */
export function baselineApp(manifests: any[]): any[] {
  const chart = new Chart(new App(), 'bench');
  manifests.forEach((obj, i) => new ApiObject(chart, 'o' + i, obj));
  return Testing.synth(chart);
}

export interface SynthComparison {
  readonly objects: number;
  readonly rounds: number;
  readonly constructMs: number;
  readonly baselineMs: number;
  readonly ratio: number;
}

/**
 * Median time to build `build`'s app and synthesize every chart, against the same output built from raw
 * ApiObjects, alternating the two in each round so both see the same machine state.
 */
export function compareWithBaseline(build: (app: App) => void, rounds: number, warmups: number): SynthComparison {
  const run = () => {
    const app = new App();
    build(app);
    return app.charts.flatMap((c) => Testing.synth(c));
  };
  const manifests = run();
  // The same objects: the order may differ (cdk8s puts objects after those they depend on), and so may key
  // order (JSON patches, applied after cdk8s sorts keys, append theirs).
  const sortKeys = (v: any): any => (Array.isArray(v) ? v.map(sortKeys)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v);
  const canonical = (objs: any[]) => objs.map((o) => JSON.stringify(sortKeys(o))).sort().join('\n');
  if (canonical(baselineApp(manifests)) !== canonical(manifests)) throw new Error('baseline differs from the construct output');
  const construct: number[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < warmups + rounds; r++) {
    const c = measure(run, 1)[0];
    const b = measure(() => baselineApp(manifests), 1)[0];
    if (r >= warmups) {
      construct.push(c);
      baseline.push(b);
    }
  }
  const constructMs = percentile(construct.sort((a, b) => a - b), 50);
  const baselineMs = percentile(baseline.sort((a, b) => a - b), 50);
  return { objects: manifests.length, rounds, constructMs, baselineMs, ratio: constructMs / baselineMs };
}
