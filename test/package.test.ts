/**
 * What `npm pack` puts in the published package: exactly the allowlist of package.json's `files` (plus the
 * bundled js-yaml), whatever else sits in the checkout, and JavaScript without inlined source maps. Packed
 * from a scratch directory with this package.json and stand-ins for the build output, so the check does not
 * depend on whether lib/ was built.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Writes `files` into a scratch directory, runs `use` there, removes it. */
function inCheckout<T>(files: Record<string, string>, use: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'package-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return use(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function packedFiles(files: Record<string, string>): string[] {
  return inCheckout(files, (dir) => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } });
    return (JSON.parse(out)[0].files as Array<{ path: string }>).map((f) => f.path).sort();
  });
}

const checkout: Record<string, string> = {
  'package.json': JSON.stringify(pkg),
  '.npmignore': fs.readFileSync(path.join(ROOT, '.npmignore'), 'utf8'),
  'lib/index.js': '',
  'lib/index.d.ts': '',
  'lib/core/k8s.js': '',
  'lib/core/k8s.d.ts': '',
  'data/vllm/v0.21.0/flags.txt': '',
  '.jsii': '{}',
  'API.md': '',
  'README.md': '',
  'LICENSE': '',
  'CHANGELOG.md': '',
  'node_modules/js-yaml/package.json': JSON.stringify({ name: 'js-yaml', version: '4.1.0' }),
  // What must stay out: build logs, maps, sources, tests, examples, docs, CI, tool state.
  'build.log': 'x',
  'npm-debug.log': 'x',
  'lib/index.js.map': '{}',
  'lib/tsconfig.tsbuildinfo': '{}',
  'lib/notes.txt': '',
  'src/index.ts': '',
  'test/x.test.ts': '',
  'examples/quickstart/app.ts': '',
  'docs/security.md': '',
  'bench/run.ts': '',
  '.ci/run': '',
  'scripts/changelog.sh': '',
  'dist/quickstart.k8s.yaml': '',
  'coverage/lcov.info': '',
  'tsconfig.json': '{}',
  '.projenrc.ts': '',
  'cdk8s.yaml': '',
  'test-reports/junit.xml': '',
  'lib/.DS_Store': '',
};
const ALLOWED = [
  '.jsii', 'API.md', 'CHANGELOG.md', 'LICENSE', 'README.md', 'data/vllm/v0.21.0/flags.txt',
  'lib/core/k8s.d.ts', 'lib/core/k8s.js', 'lib/index.d.ts', 'lib/index.js',
  'node_modules/js-yaml/package.json', 'package.json',
];

test('the tarball holds the allowlist and nothing a checkout may have lying around', () => {
  expect(packedFiles(checkout)).toEqual(ALLOWED);
});

test('the package task packs the same files, with no placeholder repository in the published package.json', () => {
  // jsii refuses to build without `repository` (jsii/lib/project-info.js: 'The "package.json" file must specify
  // the "repository" attribute'), so the checkout keeps one; the npm page must not link to it.
  expect(pkg.repository.url).toBeDefined();
  const { listed, manifest } = inCheckout(checkout, (dir) => {
    const tarball = execFileSync('node', [path.join(ROOT, 'scripts', 'pack.js'), 'out'], { cwd: dir, encoding: 'utf8' }).trim();
    return {
      listed: execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, '')).sort(),
      manifest: JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })),
    };
  });
  expect(listed).toEqual(ALLOWED);
  expect(manifest.repository).toBeUndefined();
  expect({ ...manifest, repository: pkg.repository }).toEqual(pkg);
});

test('the library is compiled without source maps, inlined or not', () => {
  const options = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions;
  const maps = [options.inlineSourceMap, options.inlineSources, options.sourceMap ?? false, options.declarationMap ?? false];
  expect(maps).toEqual([false, false, false, false]);
  expect(pkg.jsii.tsconfig).toBe('tsconfig.json');
});

test('metadata: Node 22 or newer, experimental, the peers users install', () => {
  expect(pkg.engines.node).toBe('>= 22.0.0');
  expect(pkg.stability).toBe('experimental');
  expect(pkg.version).toMatch(/^0\./);
  expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['cdk8s', 'constructs']);
});

test('cdk8s-plus-28 is an implementation dependency: a plain dependency, and no type of it in the API', () => {
  // jsii asks for a peer only for a jsii dependency whose types the API uses (JSII_0005 in
  // jsii/lib/assembler.js, _dereference), so an app on cdk8s-plus-33 does not carry cdk8s-plus-28 as its peer.
  expect(pkg.dependencies['cdk8s-plus-28']).toBe('^2.5.6');
  expect(pkg.bundledDependencies).not.toContain('cdk8s-plus-28');
  // API.md is generated from .jsii (CI fails on a stale one): any type of cdk8s-plus in the API shows there.
  expect(fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8')).not.toMatch(/cdk8s-plus-\d+|cdk8s_plus_\d+/);
});

test('the doctor ships as the bin kubectl-llamastack (a kubectl plugin on PATH), and its file is packed', () => {
  expect(pkg.bin).toEqual({ 'kubectl-llamastack': 'lib/doctor/cli.js' });
  const files = packedFiles({
    'package.json': JSON.stringify(pkg),
    '.npmignore': fs.readFileSync(path.join(ROOT, '.npmignore'), 'utf8'),
    'lib/index.js': '',
    'lib/doctor/cli.js': '#!/usr/bin/env node\n',
  });
  expect(files).toEqual(expect.arrayContaining(['lib/doctor/cli.js', 'package.json']));
});

test('the router helper is a plain TypeScript entry point, outside the jsii API: packed, and importable by its deep path', () => {
  // No `exports` map: Node resolves cdk8s-llama-stack/lib/registry/router to the packed file (docs/model-registry.md §6).
  expect(pkg.exports).toBeUndefined();
  const files = packedFiles({
    'package.json': JSON.stringify(pkg),
    '.npmignore': fs.readFileSync(path.join(ROOT, '.npmignore'), 'utf8'),
    'lib/index.js': '',
    'lib/registry/router.js': '',
    'lib/registry/router.d.ts': '',
  });
  expect(files).toEqual(expect.arrayContaining(['lib/registry/router.d.ts', 'lib/registry/router.js']));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-import-'));
  try {
    const pkgDir = path.join(dir, 'node_modules', 'cdk8s-llama-stack');
    fs.mkdirSync(path.join(pkgDir, 'lib', 'registry'), { recursive: true });
    fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify(pkg));
    fs.writeFileSync(path.join(pkgDir, 'lib', 'registry', 'router.js'), 'exports.ModelRouter = { marker: 1 };\n');
    const out = execFileSync(process.execPath, ['-e', "process.stdout.write(String(require('cdk8s-llama-stack/lib/registry/router').ModelRouter.marker))"], { cwd: dir, encoding: 'utf8' });
    expect(out).toBe('1');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // And it is not in the jsii API (src/index.ts), so nothing async reaches other languages.
  expect(fs.readFileSync(path.join(ROOT, 'src', 'registry', 'index.ts'), 'utf8')).not.toMatch(/router/);
});
