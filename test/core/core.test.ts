import { closest, formatIssue, IssueCollector, ValidationError } from '../../src/core/errors';
import { imageProblem, parseImage } from '../../src/core/images';
import { isDns1123Label, isDnsSubdomain, llsdEnvName, toCamelCase, toSnakeCase } from '../../src/core/names';
import { classifyHost, egressRules, namespacePeer } from '../../src/core/network';
import { checkShape, Shape } from '../../src/core/shape';

describe('errors', () => {
  test('issues are formatted as <scope> <path>: <what> (<fix>) and collected', () => {
    const issues = new IssueCollector();
    issues.at('providers').at('inference').at(1).add('bad', 'fix it', 'id');
    issues.add('top');
    expect(formatIssue('app/stack', issues.issues[0])).toBe('app/stack providers.inference[1].id: bad (fix it)');
    expect(() => issues.throwIfAny('app/stack')).toThrow(new ValidationError('app/stack', [...issues.issues]));
    expect(new ValidationError('s', [...issues.issues]).message).toBe('2 problems found:\n  s providers.inference[1].id: bad (fix it)\n  s: top');
  });

  test('closest candidates', () => {
    expect(closest('vlm', ['vllm', 'ollama', 'openai'])).toEqual(['vllm']);
    expect(closest('zzzzzz', ['vllm'])).toEqual([]);
  });
});

describe('names', () => {
  test('env names and case conversion', () => {
    expect(llsdEnvName('vllm-primary', 'api_token')).toBe('LLSD_VLLM_PRIMARY_API_TOKEN');
    expect(llsdEnvName('a.b', 'x')).toBe('LLSD_A_B_X');
    expect(toSnakeCase('vectorIo')).toBe('vector_io');
    expect(toCamelCase('file_processors')).toBe('fileProcessors');
  });

  test('DNS-1123 labels are at most 63 characters, subdomains at most 253 (Kubernetes\' limits)', () => {
    expect([isDns1123Label('a'.repeat(63)), isDns1123Label('a'.repeat(64))]).toEqual([true, false]);
    const subdomain = (n: number) => Array.from({ length: Math.ceil(n / 2) }, () => 'a').join('.').slice(0, n);
    expect([subdomain(253).length, isDnsSubdomain(subdomain(253)), isDnsSubdomain(`${subdomain(253)}a`)]).toEqual([253, true, false]);
    expect([isDns1123Label('a-b'), isDns1123Label('-a'), isDns1123Label('a.b'), isDns1123Label('A')]).toEqual([true, false, false, false]);
  });
});

describe('images', () => {
  test('references must parse and be pinned', () => {
    expect(parseImage('docker.io/llamastack/distribution-starter:0.7.1')).toEqual({ repository: 'docker.io/llamastack/distribution-starter', tag: '0.7.1', digest: undefined });
    expect(imageProblem('registry:5000/a/b@sha256:' + 'a'.repeat(64))).toBeUndefined();
    expect(imageProblem('a/b')?.message).toMatch(/no tag or digest/);
    expect(imageProblem('a/b:latest')?.message).toMatch(/latest/);
    expect(imageProblem('A B')?.message).toMatch(/not a valid image reference/);
  });
});

describe('network', () => {
  test('hosts are classified', () => {
    expect(classifyHost('vllm')).toEqual({ kind: 'service' });
    expect(classifyHost('vllm.models.svc')).toEqual({ kind: 'service', namespace: 'models' });
    expect(classifyHost('vllm.models.svc.cluster.local')).toEqual({ kind: 'service', namespace: 'models' });
    expect(classifyHost('vllm.models')).toEqual({ kind: 'external' });
    expect(classifyHost('api.openai.com')).toEqual({ kind: 'external' });
    expect(classifyHost('10.1.2.3')).toEqual({ kind: 'ip', cidr: '10.1.2.3/32', private: true });
    expect(classifyHost('[fd00::1]')).toEqual({ kind: 'ip', cidr: 'fd00::1/128', private: true });
  });

  test('egress rules group ports by peer, in a stable order', () => {
    const rules = egressRules([
      { peer: namespacePeer('b'), port: 8000 },
      { peer: namespacePeer('a'), port: 5432 },
      { peer: namespacePeer('b'), port: 80 },
      { peer: namespacePeer('b'), port: 8000 },
    ]);
    expect(rules.map((r) => ({ to: r.to, ports: r.ports!.map((p) => p.port!.value) }))).toEqual([
      { to: [namespacePeer('a')], ports: [5432] },
      { to: [namespacePeer('b')], ports: [80, 8000] },
    ]);
  });
});

describe('shape', () => {
  const shape: Shape = { obj: { port: 'number', tags: { arr: 'string' }, ref: { oneOf: ['string', { obj: { name: 'string' } }] } } };
  const check = (v: unknown) => {
    const issues = new IssueCollector('props');
    checkShape(issues, v, shape);
    return issues.issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  };

  test('wrong types, unknown keys with did-you-mean, and the detail of the matching alternative', () => {
    expect(check({ prot: 1, tags: 'a', ref: { nam: 'x' } })).toEqual([
      "props.prot: unknown field 'prot' (did you mean 'port'?)",
      'props.tags: expected a list, got \'a\'',
      "props.ref.nam: unknown field 'nam' (did you mean 'name'?)",
    ]);
    expect(check({ port: null, ref: 5 })).toEqual(['props.port: expected a number, got null', 'props.ref: expected a string or an object, got 5']);
    expect(check({ port: 1, tags: ['a'], ref: 'x' })).toEqual([]);
  });

  test('a hinted shape says what to write instead when the value is of another kind, and checks it as usual otherwise', () => {
    const hinted: Shape = { obj: { models: { arr: { shape: { obj: { name: 'string' } }, hint: (v) => (typeof v === 'string' ? `write { name: '${v}' }` : undefined) } } } };
    const run = (v: unknown) => {
      const issues = new IssueCollector('props');
      checkShape(issues, v, hinted);
      return issues.issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
    };
    expect(run({ models: ['m', { name: 'n' }, { nme: 'o' }, 5] })).toEqual([
      "props.models[0]: expected an object, got 'm' (write { name: 'm' })",
      "props.models[2].nme: unknown field 'nme' (did you mean 'name'?)",
      'props.models[3]: expected an object, got 5',
    ]);
    expect(run({ models: [{ name: 'n' }] })).toEqual([]);
  });
});
