import { IssueCollector } from '../../src/core/errors';
import { compareStrings, sortDeep } from '../../src/core/order';
import { checkSecretRef } from '../../src/core/secret-ref';
import { planModel } from '../../src/vllm/plan';

describe('compareStrings', () => {
  test('code-unit order: upper case before lower case, ASCII before everything else', () => {
    expect(['b', 'a', 'B', '_', 'A', '1'].sort(compareStrings)).toEqual(['1', 'A', 'B', '_', 'a', 'b']);
    expect(compareStrings('x', 'x')).toBe(0);
    expect(compareStrings('a', 'aa')).toBe(-1);
    expect(compareStrings('aa', 'a')).toBe(1);
  });

  test('differs from a locale-aware order (Danish sorts aa like å, after z), and is what sort() does by default', () => {
    const words = ['z', 'å', 'b', 'aa'];
    expect([...words].sort(compareStrings)).toEqual(['aa', 'b', 'z', 'å']);
    expect([...words].sort(compareStrings)).toEqual([...words].sort());
    expect([...words].sort(new Intl.Collator('da').compare)).toEqual(['b', 'z', 'å', 'aa']);
  });
});

describe('sortDeep', () => {
  test('sorts keys at every depth, keeps list order, leaves the input alone', () => {
    const input = { b: 1, a: { z: [{ y: 1, x: 2 }, 3], B: null }, A: 'v' };
    const sorted = sortDeep(input);
    expect(JSON.stringify(sorted)).toBe('{"A":"v","a":{"B":null,"z":[{"x":2,"y":1},3]},"b":1}');
    expect(Object.keys(input)).toEqual(['b', 'a', 'A']);
  });

  test('returns scalars as they are', () => {
    for (const v of [undefined, null, 0, 'x', true]) expect(sortDeep(v)).toBe(v);
  });
});

describe('checkSecretRef', () => {
  const check = (ref: unknown) => {
    const issues = new IssueCollector('apiKey');
    const ok = checkSecretRef(issues, ref as any);
    return { ok, issues: issues.issues.map((i) => `${i.path}: ${i.message}`) };
  };

  test('a Secret name (DNS-1123 subdomain) and a key', () => {
    expect(check({ name: 'hf-token', key: 'token' })).toEqual({ ok: true, issues: [] });
    expect(check({ name: 'a.b-c', key: `${'K'.repeat(250)}._-` })).toEqual({ ok: true, issues: [] });
  });

  test('not a reference', () => {
    expect(check(undefined)).toEqual({ ok: false, issues: ['apiKey: expected a Secret reference { name, key }'] });
    expect(check('hf')).toEqual({ ok: false, issues: ['apiKey: expected a Secret reference { name, key }'] });
  });

  test('bad names and keys, each reported at its field', () => {
    for (const name of ['Bad_Name', 'a..b', '-a', `${'a'.repeat(254)}`, undefined]) {
      expect(check({ name, key: 'k' })).toEqual({ ok: false, issues: [`apiKey.name: '${String(name)}' is not a valid Secret name`] });
    }
    for (const key of ['a/b', '', 'k'.repeat(254), undefined]) {
      expect(check({ name: 'n', key })).toEqual({ ok: false, issues: [`apiKey.key: '${String(key)}' is not a valid Secret key`] });
    }
  });

  test('a VllmModel\'s hfToken and apiKey get the same rules, at their own paths', () => {
    const issues = new IssueCollector();
    const props = { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'dev', hfToken: { name: 'a..b', key: 'a/b' }, apiKey: { name: 'ok', key: 'k'.repeat(254) } };
    planModel(issues, props, 'llama');
    expect(issues.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'hfToken.name: \'a..b\' is not a valid Secret name',
      'hfToken.key: \'a/b\' is not a valid Secret key',
      `apiKey.key: '${'k'.repeat(254)}' is not a valid Secret key`,
    ]);
  });
});
