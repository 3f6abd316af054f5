import { spawnSync } from 'child_process';
import * as path from 'path';
import { REMOVED_APIS } from '../../src/config/catalog';
import { PROVIDER_APIS } from '../../src/config/providers';
import { formatMetadataProblem, isWheelPath, MetadataProblem, parseProviderMetadata } from '../../src/external-provider/metadata';
import { INSTALL_SCRIPT, SCRIPTS_DIR } from '../../src/external-provider/scripts';

const VALID = `apiVersion: llamastack.io/v1alpha1
kind: ProviderPackage
metadata:
  name: acme-llm
  version: "1.2.0"
  vendor: Acme
  description: An inference provider
spec:
  packageName: acme_llm
  providerType: remote::acme-llm
  api: inference
  wheelPath: /lls-provider/packages/acme_llm-1.2.0-py3-none-any.whl
  dependencyWheels:
    - /lls-provider/packages/httpx-0.28.1-py3-none-any.whl
    - certifi-2025.1.31-py3-none-any.whl
`;

const edit = (from: string, to: string) => {
  if (!VALID.includes(from)) throw new Error(`corpus edit: '${from}' not in VALID`);
  return VALID.replace(from, to);
};

/** Every rule of the contract, each broken once (or several at once), in one corpus for TS and Python. */
const CORPUS: Record<string, string> = {
  'valid': VALID,
  'empty file': '',
  'comment only': '# nothing\n',
  'a list': '- a\n- b\n',
  'a string': 'hello\n',
  'no apiVersion': edit('apiVersion: llamastack.io/v1alpha1\n', ''),
  'wrong apiVersion': edit('llamastack.io/v1alpha1', 'llamastack.io/v1'),
  'no kind, wrong type of apiVersion': edit('kind: ProviderPackage\n', '').replace('apiVersion: llamastack.io/v1alpha1', 'apiVersion: 2'),
  'wrong kind': edit('kind: ProviderPackage', 'kind: Provider'),
  'no metadata': edit('metadata:\n  name: acme-llm\n  version: "1.2.0"\n  vendor: Acme\n  description: An inference provider\n', ''),
  'metadata is a list': edit('metadata:\n  name: acme-llm\n  version: "1.2.0"\n  vendor: Acme\n  description: An inference provider\n', 'metadata:\n  - name\n'),
  'metadata fields': edit('  name: acme-llm\n', '').replace('"1.2.0"', '1.2').replace('vendor: Acme', 'vendor: "  "').replace('description: An inference provider', 'description: [x]\n  maintainer: 7'),
  'metadata null fields': edit('  description: An inference provider', '  description:\n  maintainer: null'),
  'no spec': VALID.slice(0, VALID.indexOf('spec:')),
  'spec is a string': `${VALID.slice(0, VALID.indexOf('spec:'))}spec: nothing\n`,
  'spec is empty': `${VALID.slice(0, VALID.indexOf('spec:'))}spec: {}\n`,
  'bad packageName': edit('packageName: acme_llm', 'packageName: acme-llm'),
  'dotted packageName': edit('packageName: acme_llm', 'packageName: acme.providers.llm'),
  'bad providerType': edit('providerType: remote::acme-llm', 'providerType: acme-llm'),
  'upper-case providerType': edit('providerType: remote::acme-llm', 'providerType: remote::Acme'),
  'unknown api': edit('api: inference', 'api: bogus'),
  'removed api': edit('api: inference', 'api: post_training'),
  'agents api': edit('api: inference', 'api: agents'),
  'camelCase api': edit('api: inference', 'api: vectorIo'),
  'number api': edit('api: inference', 'api: 3'),
  'no api': edit('  api: inference\n', ''),
  'wheelPath not a wheel': edit('acme_llm-1.2.0-py3-none-any.whl\n  dependencyWheels', 'acme_llm-1.2.0.tar.gz\n  dependencyWheels'),
  'wheelPath outside packages': edit('wheelPath: /lls-provider/packages/acme_llm', 'wheelPath: /tmp/acme_llm'),
  'wheelPath with ..': edit('wheelPath: /lls-provider/packages/acme_llm', 'wheelPath: /lls-provider/packages/../acme_llm'),
  'relative wheelPath': edit('wheelPath: /lls-provider/packages/acme_llm', 'wheelPath: acme_llm'),
  'wheelPath in a subdirectory': edit('wheelPath: /lls-provider/packages/acme_llm', 'wheelPath: /lls-provider/packages/sub/acme_llm'),
  'no wheelPath': edit('  wheelPath: /lls-provider/packages/acme_llm-1.2.0-py3-none-any.whl\n', ''),
  'dependencyWheels is a string': edit('dependencyWheels:\n    - /lls-provider/packages/httpx-0.28.1-py3-none-any.whl\n    - certifi-2025.1.31-py3-none-any.whl', 'dependencyWheels: httpx.whl'),
  'a bad dependency wheel': edit('    - certifi-2025.1.31-py3-none-any.whl', '    - certifi.zip\n    - 5'),
  'flow style': 'apiVersion: llamastack.io/v1alpha1\nkind: ProviderPackage\nmetadata: {name: x, version: "1", vendor: y}\n'
    + 'spec: {packageName: "a-b", providerType: "remote::x", api: inference, wheelPath: x.whl, dependencyWheels: [a.whl, b]}\n',
  'everything wrong': 'apiVersion: v1\nkind: Thing\nmetadata:\n  version: 1\nspec:\n  packageName: 1x\n  api: memory\n  wheelPath: ""\n',
};
const YAML_ERRORS: Record<string, string> = {
  'unclosed flow sequence': 'apiVersion: llamastack.io/v1alpha1\nmetadata:\n  name: [unclosed\nspec: {}\n',
  'bad indentation': 'apiVersion: llamastack.io/v1alpha1\nkind: ProviderPackage\n  metadata: x\n',
  'duplicate key': 'apiVersion: llamastack.io/v1alpha1\nkind: ProviderPackage\nmetadata:\n  name: a\n  name: b\n',
  'tab indentation': 'apiVersion: x\nmetadata:\n\tname: a\n',
};

/** The install script's validator on the same texts (the rules the pod applies to the image's copy). */
function pythonProblems(texts: Record<string, string>): Record<string, Array<[string, number | null, string]>> {
  const code = [
    'import importlib.util, json, sys',
    'spec = importlib.util.spec_from_file_location("install_providers", sys.argv[1])',
    'mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)',
    'cases = json.load(sys.stdin)',
    'out = {k: mod.validate_metadata(v["text"], v["apis"], v["removed"])[1] for k, v in cases["texts"].items()}',
    'print(json.dumps(out))',
  ].join('\n');
  const cases = Object.entries(texts).map(([k, text]) => [k, { text, apis: PROVIDER_APIS, removed: REMOVED_APIS }]);
  const input = JSON.stringify({ texts: Object.fromEntries(cases) });
  // No __pycache__ next to the shipped script.
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  const r = spawnSync('python3', ['-c', code, path.join(SCRIPTS_DIR, INSTALL_SCRIPT)], { input, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

type Problem = [string, number | null, string];
const tsProblems = (text: string) => parseProviderMetadata(text).problems.map((p): Problem => [p.field, p.line ?? null, p.message]);

describe('lls-provider-spec.yaml validation', () => {
  test('a valid file gives the metadata', () => {
    expect(parseProviderMetadata(VALID)).toEqual({
      problems: [],
      metadata: {
        name: 'acme-llm',
        version: '1.2.0',
        vendor: 'Acme',
        packageName: 'acme_llm',
        providerType: 'remote::acme-llm',
        api: 'inference',
        wheelPath: '/lls-provider/packages/acme_llm-1.2.0-py3-none-any.whl',
        dependencyWheels: ['/lls-provider/packages/httpx-0.28.1-py3-none-any.whl', 'certifi-2025.1.31-py3-none-any.whl'],
      },
    });
  });

  test.each([
    ['empty file', [['document', null, 'the file is empty; expected a mapping with apiVersion, kind, metadata and spec']]],
    ['a list', [['document', null, 'expected a mapping with apiVersion, kind, metadata and spec, got a list']]],
    ['no apiVersion', [['apiVersion', null, 'required (llamastack.io/v1alpha1)']]],
    ['wrong apiVersion', [['apiVersion', 1, 'must be llamastack.io/v1alpha1, got \'llamastack.io/v1\'']]],
    ['no kind, wrong type of apiVersion', [['apiVersion', 1, 'must be llamastack.io/v1alpha1, got a number'], ['kind', null, 'required (ProviderPackage)']]],
    ['wrong kind', [['kind', 2, 'must be ProviderPackage, got \'Provider\'']]],
    ['no metadata', [['metadata', null, 'required (a mapping with name, version and vendor)']]],
    ['metadata is a list', [['metadata', 3, 'must be a mapping with name, version and vendor, got a list']]],
    ['metadata fields', [
      ['metadata.name', null, 'required (a non-empty string)'],
      ['metadata.version', 4, 'must be a non-empty string, got a number'],
      ['metadata.vendor', 5, 'must be a non-empty string, got \'  \''],
      ['metadata.description', 6, 'must be a string, got a list'],
      ['metadata.maintainer', 7, 'must be a string, got a number'],
    ]],
    ['spec is empty', [
      ['spec.packageName', null, 'required (a dotted Python module name such as acme_provider or acme.provider)'],
      ['spec.providerType', null, 'required (remote::<name> or inline::<name> (lower-case letters, digits and \'-\'))'],
      ['spec.api', null, `required (one of ${PROVIDER_APIS.join(', ')})`],
      ['spec.wheelPath', null, 'required (the path of a .whl file in /lls-provider/packages/)'],
    ]],
    ['bad packageName', [['spec.packageName', 9, 'must be a dotted Python module name such as acme_provider or acme.provider, got \'acme-llm\'']]],
    ['bad providerType', [['spec.providerType', 10, 'must be remote::<name> or inline::<name> (lower-case letters, digits and \'-\'), got \'acme-llm\'']]],
    ['unknown api', [['spec.api', 11, `must be one of ${PROVIDER_APIS.join(', ')}; got 'bogus'`]]],
    ['removed api', [['spec.api', 11, `'post_training' is not an API of Llama Stack 0.7.1: ${REMOVED_APIS.post_training}`]]],
    ['wheelPath outside packages', [['spec.wheelPath', 12, 'must be the path of a .whl file in /lls-provider/packages/, got \'/tmp/acme_llm-1.2.0-py3-none-any.whl\'']]],
    ['dependencyWheels is a string', [['spec.dependencyWheels', 13, 'must be a list of .whl paths in /lls-provider/packages/, got \'httpx.whl\'']]],
    ['a bad dependency wheel', [
      ['spec.dependencyWheels[1]', 15, 'must be the path of a .whl file in /lls-provider/packages/, got \'certifi.zip\''],
      ['spec.dependencyWheels[2]', 16, 'must be the path of a .whl file in /lls-provider/packages/, got a number'],
    ]],
  ])('%s', (name, expected) => {
    expect(tsProblems(CORPUS[name])).toEqual(expected);
  });

  test('valid variants: dotted package names, relative wheel paths, null optional fields', () => {
    for (const name of ['dotted packageName', 'relative wheelPath', 'metadata null fields']) expect(tsProblems(CORPUS[name])).toEqual([]);
  });

  test('YAML errors carry the line and column', () => {
    expect(tsProblems(YAML_ERRORS['duplicate key'])).toEqual([['document', 5, expect.stringMatching(/^invalid YAML at line 5, column 3: duplicated mapping key/)]]);
    expect(tsProblems(YAML_ERRORS['unclosed flow sequence'])[0][1]).toBe(4);
  });

  test('the install script applies the same rules with the same messages and lines (every corpus entry)', () => {
    const py = pythonProblems(CORPUS);
    for (const [name, text] of Object.entries(CORPUS)) {
      expect({ name, problems: py[name] }).toEqual({ name, problems: tsProblems(text) });
    }
    // The corpus exercises every kind of problem.
    const fields = new Set(Object.values(py).flat().map((p) => p[0].replace(/\[\d+\]/, '[]')));
    expect([...fields].sort()).toEqual([
      'apiVersion', 'document', 'kind', 'metadata', 'metadata.description', 'metadata.maintainer', 'metadata.name', 'metadata.vendor',
      'metadata.version', 'spec', 'spec.api', 'spec.dependencyWheels', 'spec.dependencyWheels[]', 'spec.packageName', 'spec.providerType', 'spec.wheelPath',
    ]);
  });

  test('YAML syntax errors are found by both, on the same line', () => {
    const py = pythonProblems(YAML_ERRORS);
    for (const [name, text] of Object.entries(YAML_ERRORS)) {
      const ts = tsProblems(text);
      const [first] = py[name];
      expect({ name, n: py[name].length, field: first[0], line: first[1] }).toEqual({ name, n: ts.length, field: ts[0][0], line: ts[0][1] });
      expect(py[name][0][2]).toMatch(/^invalid YAML at line \d+, column \d+: /);
    }
  });

  test('formatting: field, line when known, message', () => {
    const p: MetadataProblem = { field: 'spec.api', line: 7, message: 'x' };
    expect(formatMetadataProblem(p)).toBe('spec.api (line 7): x');
    expect(formatMetadataProblem({ field: 'kind', message: 'required' })).toBe('kind: required');
  });

  test.each([
    ['/lls-provider/packages/a-1.0-py3-none-any.whl', true],
    ['/lls-provider/packages/sub/a.whl', false],
    ['sub/a.whl', false],
    ['.whl', false],
    ['a.whl', true],
    ['/lls-provider/a.whl', false],
    ['/lls-provider/packages//a.whl', false],
    ['/lls-provider/packages/./a.whl', false],
    ['../a.whl', false],
    ['a.tar.gz', false],
    ['', false],
  ])('wheel path %j -> %s', (p, ok) => {
    expect(isWheelPath(p)).toBe(ok);
  });
});
