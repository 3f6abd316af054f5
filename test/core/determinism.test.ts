/**
 * Output independent of the machine: every example app, and an app whose order a locale-aware sort would
 * change (test/support/synth-example.ts), synthesized in child processes under two locales, from two
 * working directories and with its spec file in two places, gives the same bytes.
 */
import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..');
const TS_NODE = path.join(ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js');
const SCRIPT = path.join(ROOT, 'test', 'support', 'synth-example.ts');
const SPEC = path.join(ROOT, 'examples', 'provider-image', 'lls-provider-spec.yaml');

/** Node's bundled ICU honours these whether or not the OS has the locale installed. */
const LOCALES = {
  c: { LANG: 'C.UTF-8', LC_ALL: 'C' },
  da: { LANG: 'da_DK.UTF-8', LC_ALL: 'da_DK.UTF-8' },
};
type Locale = keyof typeof LOCALES;
const envFor = (locale: Locale) => ({ ...process.env, ...LOCALES[locale] });

/** Two checkouts' copies of one spec file. */
const [dirA, dirB] = ['a', 'b'].map((n) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `determinism-${n}-`));
  fs.copyFileSync(SPEC, path.join(dir, 'lls-provider-spec.yaml'));
  return dir;
});
afterAll(() => [dirA, dirB].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Run {
  readonly locale: Locale;
  readonly cwd: string;
  /** The spec file as the app is given it. */
  readonly spec: string;
}

const RUNS: Run[] = [
  { locale: 'c', cwd: ROOT, spec: path.join(dirA, 'lls-provider-spec.yaml') },
  { locale: 'da', cwd: ROOT, spec: path.join(dirA, 'lls-provider-spec.yaml') },
  { locale: 'da', cwd: dirB, spec: path.join(dirB, 'lls-provider-spec.yaml') },
  { locale: 'c', cwd: dirB, spec: 'lls-provider-spec.yaml' },
];

/** Synthesizes every example in a child process; `node` is the Node binary that runs ts-node. */
async function synth(run: Run, node = process.execPath): Promise<string> {
  const { stdout } = await promisify(execFile)(
    node, [TS_NODE, '-P', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only', SCRIPT, run.spec],
    { cwd: run.cwd, env: envFor(run.locale), maxBuffer: 64 * 2 ** 20, encoding: 'utf8' },
  );
  return stdout;
}

/**
 * Node binaries besides this one: CDK8S_LLAMA_STACK_OTHER_NODES (colon-separated; .ci/run sets Node 22 and
 * the machine's Node, while the tests run on 24) and the system's `node`, one per major version.
 */
function otherNodes(): Array<{ bin: string; version: string }> {
  const candidates = [...(process.env.CDK8S_LLAMA_STACK_OTHER_NODES ?? '').split(':'), '/usr/bin/node', '/usr/local/bin/node'];
  const byMajor = new Map<string, { bin: string; version: string }>([[process.version.split('.')[0], { bin: process.execPath, version: process.version }]]);
  for (const bin of candidates.filter((c) => c && fs.existsSync(c))) {
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    if (!byMajor.has(version.split('.')[0])) byMajor.set(version.split('.')[0], { bin, version });
  }
  return [...byMajor.values()].slice(1);
}

test('the Danish locale really reorders localeCompare in a child process (else this test proves nothing)', () => {
  const sorted = (locale: Locale) => execFileSync(
    process.execPath, ['-e', 'process.stdout.write(JSON.stringify([\'z\', \'aa\'].sort((a, b) => a.localeCompare(b))))'],
    { env: envFor(locale), encoding: 'utf8' },
  );
  expect(JSON.parse(sorted('c'))).toEqual(['aa', 'z']);
  expect(JSON.parse(sorted('da'))).toEqual(['z', 'aa']);
});

test('every example app synthesizes to the same bytes under both locales, from both directories, from both spec copies', async () => {
  const [first, ...rest] = await Promise.all(RUNS.map((r) => synth(r)));
  expect(first).toContain('# locale, loc-aa, loc-zz\n');
  expect(first.length).toBeGreaterThan(100_000);
  expect(RUNS.slice(1).filter((_, i) => rest[i] !== first)).toEqual([]);
  for (const dir of [ROOT, dirA, dirB]) expect(first).not.toContain(dir);
});

const others = otherNodes();
// .ci/run provides two more major versions and must: under CI the test fails without them. A developer's
// machine with one Node runs it only when CDK8S_LLAMA_STACK_OTHER_NODES names another binary.
const acrossNodes = process.env.CI === 'true' || others.length > 0 ? test : test.skip;
acrossNodes('every example app synthesizes to the same bytes on every Node version at hand (CI: 24, 22 and the machine\'s 20)', async () => {
  if (others.length < 2) {
    throw new Error(`two other Node major versions are needed (CDK8S_LLAMA_STACK_OTHER_NODES), found: ${others.map((o) => o.version).join(', ') || 'none'}`);
  }
  const [first, ...rest] = await Promise.all([synth(RUNS[0]), ...others.map((o) => synth(RUNS[0], o.bin))]);
  expect(first.length).toBeGreaterThan(100_000);
  expect(others.filter((_, i) => rest[i] !== first).map((o) => o.version)).toEqual([]);
});
