import { checkPropEnvNames, propEnv } from '../../src/config/env';
import { IssueCollector } from '../../src/core/errors';

describe('env and secretEnv', () => {
  test('one list by name, literal values from env and Secrets from secretEnv, each with its prop path', () => {
    expect(propEnv({ env: { ZZ: 'z', AA: 'a' }, secretEnv: { MM: { name: 's', key: 'k' }, AB: { name: 't', key: 'u' } } })).toEqual([
      { name: 'AA', value: 'a', path: 'env.AA' },
      { name: 'AB', secret: { name: 't', key: 'u' }, path: 'secretEnv.AB' },
      { name: 'MM', secret: { name: 's', key: 'k' }, path: 'secretEnv.MM' },
      { name: 'ZZ', value: 'z', path: 'env.ZZ' },
    ]);
    expect(propEnv({})).toEqual([]);
    // Not maps (the shape check reports them): nothing is read.
    expect(propEnv({ env: 'x' as any, secretEnv: null as any })).toEqual([]);
  });

  test('the order does not depend on the order the maps were written in', () => {
    const a = propEnv({ env: { B: '1', A: '2' }, secretEnv: { C: { name: 's', key: 'k' } } });
    const b = propEnv({ secretEnv: { C: { name: 's', key: 'k' } }, env: { A: '2', B: '1' } });
    expect(a).toEqual(b);
  });

  test('a name in both maps is an error naming both paths', () => {
    const issues = new IssueCollector();
    checkPropEnvNames(issues, { env: { TOKEN: 'x', OTHER: 'y' }, secretEnv: { TOKEN: { name: 's', key: 'k' }, FINE: { name: 's', key: 'f' } } });
    expect(issues.issues).toEqual([{
      path: 'secretEnv.TOKEN',
      message: 'TOKEN is in both env.TOKEN and secretEnv.TOKEN',
      hint: 'keep one: env for a literal value, secretEnv for a value from a Secret',
    }]);
    const none = new IssueCollector();
    checkPropEnvNames(none, { env: { A: 'x' }, secretEnv: { B: { name: 's', key: 'k' } } });
    expect(none.hasIssues).toBe(false);
  });
});
