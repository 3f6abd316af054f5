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
const TS_NODE = path.join(ROOT, 'node_modules', '.bin', 'ts-node');
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

async function synth(run: Run): Promise<string> {
  const { stdout } = await promisify(execFile)(
    TS_NODE, ['-P', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only', SCRIPT, run.spec],
    { cwd: run.cwd, env: envFor(run.locale), maxBuffer: 64 * 2 ** 20, encoding: 'utf8' },
  );
  return stdout;
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
  const [first, ...rest] = await Promise.all(RUNS.map(synth));
  expect(first).toContain('# locale, loc-aa, loc-zz\n');
  expect(first.length).toBeGreaterThan(100_000);
  expect(RUNS.slice(1).filter((_, i) => rest[i] !== first)).toEqual([]);
  for (const dir of [ROOT, dirA, dirB]) expect(first).not.toContain(dir);
});
