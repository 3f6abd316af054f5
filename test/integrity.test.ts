/** App-wide checks at synth: one object per (group, kind, namespace, name); errors in the public shape. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing, YamlOutputType } from 'cdk8s';
import { LlamaStack, ValidationError, VllmModel } from '../src';

const starter = { name: 'starter' };

function synthError(app: App): ValidationError {
  try {
    for (const c of app.charts) Testing.synth(c);
  } catch (err) {
    expect(ValidationError.isValidationError(err)).toBe(true);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError at synth');
}

describe('two objects with one name', () => {
  test('a stack named llama-prod and a model llama in environment prod: every colliding object, both paths', () => {
    // Reproduction from the issue: both emit Deployment, ServiceAccount and NetworkPolicy `llama-prod`.
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'llm' });
    new LlamaStack(chart, 'stack', { name: 'llama-prod', distribution: starter });
    new VllmModel(chart, 'llama', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'prod' });
    const err = synthError(app);
    expect(err.issues.map((i) => `${i.construct} ${i.path}: ${i.message}`)).toEqual([
      "c/stack/NetworkPolicy metadata.name: NetworkPolicy 'llama-prod' in namespace 'llm' is also emitted by c/llama/NetworkPolicy; applied, one would overwrite the other",
      "c/stack/Resource metadata.name: Deployment 'llama-prod' in namespace 'llm' is also emitted by c/llama/Resource; applied, one would overwrite the other",
      "c/stack/ServiceAccount metadata.name: ServiceAccount 'llama-prod' in namespace 'llm' is also emitted by c/llama/ServiceAccount; applied, one would overwrite the other",
    ]);
    expect(err.issues[0].hint).toMatch(/another name/);
    expect(err.message).toMatch(/^3 problems found:\n {2}c\/stack\/NetworkPolicy metadata\.name: /);
  });

  test('two charts in one namespace, each with a stack called stack', () => {
    const app = Testing.app();
    new LlamaStack(new Chart(app, 'a', { namespace: 'llm' }), 'stack', { distribution: starter });
    new LlamaStack(new Chart(app, 'b', { namespace: 'llm' }), 'stack', { distribution: starter });
    const err = synthError(app);
    // Every object of the two stacks: the config ConfigMaps have equal content, so equal names too.
    const collided = err.issues.map((i) => i.message.replace(/ in namespace.*/, '').replace(/stack-config-[0-9a-f]{8}/, 'stack-config-<hash>')).sort();
    expect(collided).toEqual(["ConfigMap 'stack-config-<hash>'", "Deployment 'stack'", "NetworkPolicy 'stack'", "Service 'stack-service'", "ServiceAccount 'stack'"]);
    expect(err.issues.every((i) => i.construct!.startsWith('b/stack/') && i.message.includes('also emitted by a/stack/'))).toBe(true);
  });

  test('the same names in different namespaces are fine; so are objects without a namespace in different charts with namespaces', () => {
    const app = Testing.app();
    new LlamaStack(new Chart(app, 'a', { namespace: 'one' }), 'stack', { distribution: starter });
    new LlamaStack(new Chart(app, 'b', { namespace: 'two' }), 'stack', { distribution: starter });
    expect(app.charts.flatMap((c) => Testing.synth(c))).toHaveLength(10);
  });

  test('a user\'s own object collides too; cluster-scoped kinds ignore namespaces', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'llm' });
    new LlamaStack(a, 'stack', { distribution: starter });
    // A user's own object, with the namespace written out, collides with the stack's Service.
    new ApiObject(new Chart(app, 'mine'), 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'stack-service', namespace: 'llm' } });
    new ApiObject(new Chart(app, 'x', { namespace: 'one' }), 'pc', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'gpu' } });
    new ApiObject(new Chart(app, 'y', { namespace: 'two' }), 'pc', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'gpu' } });
    expect(synthError(app).issues.map((i) => `${i.construct}: ${i.message.replace(/;.*/, '')}`)).toEqual([
      "mine/svc: Service 'stack-service' in namespace 'llm' is also emitted by a/stack/Service",
      'y/pc: PriorityClass \'gpu\' is also emitted by x/pc',
    ]);
  });

  test('with one file per resource, the collision fails the synth instead of silently losing files', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-'));
    try {
      const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
      new LlamaStack(new Chart(app, 'a', { namespace: 'llm' }), 'stack', { distribution: starter });
      new LlamaStack(new Chart(app, 'b', { namespace: 'llm' }), 'stack', { distribution: starter });
      expect(() => app.synth()).toThrow(/Deployment 'stack' in namespace 'llm' is also emitted by a\/stack\/Resource/);
      expect(fs.readdirSync(outdir)).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('ValidationError, the public face of the errors', () => {
  test('exported from the index; an Error at run time; recognised by the branded check', () => {
    let thrown: unknown;
    try {
      new LlamaStack(new Chart(Testing.app(), 'c'), 'stack', { distribution: { name: 'nope' } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toBeInstanceOf(Error);
    expect(ValidationError.isValidationError(thrown)).toBe(true);
    const e = thrown as ValidationError;
    expect(e.name).toBe('ValidationError');
    expect(e.scope).toBe('c/stack');
    expect(e.issues[0]).toEqual(expect.objectContaining({ path: 'distribution.name' }));
    expect(String(e)).toMatch(/^ValidationError: c\/stack distribution\.name: /);
    expect(e.stack).toMatch(/ValidationError: c\/stack/);
    expect(ValidationError.isValidationError(new Error('x'))).toBe(false);
    expect(ValidationError.isValidationError({ issues: [] })).toBe(false);
    expect(ValidationError.isValidationError(null)).toBe(false);
  });

  test('the stack does not expose its props', () => {
    const stack = new LlamaStack(new Chart(Testing.app(), 'c'), 'stack', { distribution: starter });
    // @ts-expect-error props is private (AWS CDK guideline: constructs do not expose their props)
    expect(stack.props).toBeDefined();
  });
});
