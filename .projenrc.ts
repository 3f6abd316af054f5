import { cdk8s, javascript } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-llama-stack',
  description:
    'cdk8s constructs for a self-hosted LLM platform: Llama Stack servers with generated, validated configuration, vLLM model servers and a model registry.',
  keywords: ['cdk8s', 'kubernetes', 'llama-stack', 'vllm', 'llm'],
  author: 'cdk8s-llama-stack developers',
  authorAddress: 'dev@cdk8s-llama-stack.invalid',
  // jsii needs a repository to build; there is none yet, so the published package.json drops it (scripts/pack.js).
  repositoryUrl: 'https://git.example.com/cdk8s-llama-stack.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // Node 20 is past its end of life; CI runs on 24 (and checks 22 and 20 give the same bytes).
  minNodeVersion: '22.0.0',
  cdk8sVersion: '2.70.106',
  constructsVersion: '10.8.1',
  jsiiVersion: '~6.0.0',
  // cdk8s-plus is named here and in src/core/k8s.ts only, so a move to a newer one is a two-line change.
  // An implementation dependency: no cdk8s-plus type is in the API (jsii asks for a peer only when a
  // dependency's type is, JSII_0005 in jsii/lib/assembler.js), so an app on another cdk8s-plus does not
  // carry this one as its peer.
  deps: ['cdk8s-plus-28@^2.5.6'],
  bundledDeps: ['js-yaml@^4.1.0'],
  // `kubectl llamastack doctor` (a kubectl plugin when on PATH; `npx kubectl-llamastack doctor`). Not in the API.
  bin: { 'kubectl-llamastack': 'lib/doctor/cli.js' },
  devDeps: [
    '@types/js-yaml@^4.0.9',
    'fast-check@^4',
    'kubernetes-models@^4.5.0',
    '@kubernetes-models/prometheus-operator@^4.4.4',
    '@kubernetes-models/argo-cd@^2.7.2',
    '@kubernetes-models/keda@^0.4.2',
    '@electric-sql/pglite@^0.5.16',
    '@prometheus-io/lezer-promql@^0.315.0',
    '@lezer/lr@^1.4.0',
    'cdk8s-cli@^2.207.60',
    // Only for the interop test and docs: this library's objects beside a user's cdk8s-plus-33 objects.
    'cdk8s-plus-33@^2.5.57',
  ],
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-warnings.ts'],
    },
  },
  typecheckTests: true,
  // Bindings for the languages jsii serves. Generated as code in CI (jsii-pacmak --code-only, plus the Python
  // wheel); publishing them waits for a repository and registries.
  publishToPypi: { distName: 'cdk8s-llama-stack', module: 'cdk8s_llama_stack' },
  publishToMaven: { javaPackage: 'io.github.cdk8s_llama_stack', mavenGroupId: 'io.github.cdk8s-llama-stack', mavenArtifactId: 'cdk8s-llama-stack' },
  publishToNuget: { dotNetNamespace: 'Cdk8sLlamaStack', packageId: 'Cdk8sLlamaStack' },
  // Go needs a module path; .invalid until the project has a repository to name.
  publishToGo: { moduleName: 'example.invalid/cdk8s-llama-stack-go' },
  // 0.x and experimental until the API is frozen.
  stability: 'experimental',
  // No source maps in lib/*.js: inlined, they were 72% of the package's bytes.
  tsconfig: { compilerOptions: { inlineSourceMap: false, inlineSources: false } },
  github: false,
  sampleCode: false,
  gitignore: ['/dist/', '/bench/results/'],
  tsconfigDev: {
    compilerOptions: {},
    include: ['../examples/**/*.ts', '../bench/**/*.ts'],
  },
});

// jsii-pacmak (the `package` step) is not needed to build or test, and its non-JS targets cannot work offline.
project.packageTask.reset();
for (const pattern of ['/examples/', '/bench/', '/docs/', '/.ci/', '/cdk8s.yaml']) {
  project.npmignore?.exclude(pattern);
}
// The package holds exactly these (an allowlist: untracked files in a checkout never reach the tarball).
// CHANGELOG.md is written from the commit history by the package task.
project.package.addField('files', ['lib/**/*.js', 'lib/**/*.d.ts', 'data/', '.jsii', 'API.md', 'README.md', 'LICENSE', 'CHANGELOG.md']);
project.gitignore.exclude('/CHANGELOG.md');
project.packageTask.exec('sh scripts/changelog.sh >CHANGELOG.md');
// Packed from a staging copy whose package.json has no `repository` (jsii needs one to build; there is none yet).
project.packageTask.exec('node scripts/pack.js dist/js');
// eslint-import-resolver-typescript pulls unrs-resolver, whose newest bindings are not all on the registry;
// 1.12.2 keeps package-lock.json valid for `npm ci`.
project.package.addPackageResolutions('unrs-resolver@1.12.2');

project.addTask('synth', {
  description: 'Synthesize the default example app (examples/quickstart) into dist/',
  exec: 'cdk8s synth --check-upgrade=false',
  receiveArgs: true,
});
// The other languages' bindings as code, and the Python wheel built by the system's Python (Debian's
// setuptools and wheel: PyPI cannot be reached here). The package:<language> tasks need the registries.
project.addTask('bindings', {
  description: 'Generate the Python, Java, .NET and Go bindings (code only) into dist/bindings and build the Python wheel',
  steps: [
    { exec: 'rm -rf dist/bindings && jsii-pacmak --code-only --targets python,java,dotnet,go -o dist/bindings' },
    { exec: '/usr/bin/python3 -m pip wheel --quiet --no-deps --no-index --no-build-isolation -w dist/bindings/wheel dist/bindings/python' },
  ],
});
project.addTask('bench', {
  description: 'Run the benchmarks and print the figures',
  exec: 'ts-node --transpile-only bench/run.ts',
  receiveArgs: true,
});
// The env oracle against Llama Stack 0.7.1's own functions: needs the upstream source, so never in CI.
project.addTask('test:upstream', {
  description: 'Check the ${env.} oracle against Llama Stack 0.7.1\'s source (LLAMA_STACK_SRC, default /tmp/ls/src)',
  exec: "jest --ci --coverage=false --testMatch '<rootDir>/test/config/upstream-env.suite.ts'",
});
// The registry's Job scripts against a real PostgreSQL server: starts a throwaway cluster on loopback, or
// prints why it is skipped (no server binaries) and passes.
project.testTask.exec('bash test/registry/postgres-server.sh', { name: 'registry suite on a real PostgreSQL server' });
project.eslint?.addLintPattern('examples');
project.eslint?.addLintPattern('bench');
// Output must not depend on the machine: localeCompare orders by the locale (LANG, ICU data).
project.eslint?.addRules({
  'no-restricted-properties': ['error', { property: 'localeCompare', message: 'locale-dependent: use compareStrings from src/core/order' }],
});

project.synth();
