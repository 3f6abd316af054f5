// Apps with 1, 100 and 1000 VllmModels run as whole processes, as a user runs them (node start, library
// load, synth, YAML written), against the same objects as raw ApiObjects in a process of their own. Needs
// the compiled library (lib/, from `npx projen compile`).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { percentile } from './util';

const APP = path.join(__dirname, 'whole-process-app.js');

export interface WholeProcess {
  readonly models: number;
  readonly runs: number;
  readonly objects: number;
  readonly yamlBytes: number;
  readonly wallMs: number;
  readonly baselineMs: number;
}

/** Runs the app once; its wall time in ms and the YAML it wrote. */
function runOnce(args: string[], outdir: string): { ms: number; yaml: string } {
  fs.rmSync(outdir, { recursive: true, force: true });
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, [APP, ...args, outdir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const text = fs.readdirSync(outdir).sort().map((f) => fs.readFileSync(path.join(outdir, f), 'utf8')).join('');
  return { ms, yaml: text };
}

/** Undefined when the library is not compiled (the bench says so instead of timing something else). */
export function benchWholeProcess(sizes: number[], runs: number): WholeProcess[] | undefined {
  if (!fs.existsSync(path.join(__dirname, '..', 'lib', 'index.js'))) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-process-'));
  try {
    return sizes.map((models) => {
      const first = runOnce(['library', String(models)], path.join(dir, 'out'));
      const manifests = yaml.loadAll(first.yaml).filter((o) => o);
      const file = path.join(dir, `manifests-${models}.json`);
      fs.writeFileSync(file, JSON.stringify(manifests));
      const wall: number[] = [];
      const base: number[] = [];
      for (let r = 0; r < runs; r++) {
        wall.push(runOnce(['library', String(models)], path.join(dir, 'out')).ms);
        base.push(runOnce(['raw', file], path.join(dir, 'base')).ms);
      }
      return {
        models,
        runs,
        objects: manifests.length,
        yamlBytes: Buffer.byteLength(first.yaml),
        wallMs: percentile(wall.sort((a, b) => a - b), 50),
        baselineMs: percentile(base.sort((a, b) => a - b), 50),
      };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
