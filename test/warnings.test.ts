/** Warnings: printed once at synth on stderr in the errors' shape, errors in strict mode, acknowledgeable. */
import * as fs from 'fs';
import { App, Chart, Testing } from 'cdk8s';
import { LlamaStack, LlamaStackProps, ValidationError, WarningCode } from '../src';
import { withContext } from './support/app';
import { ACKNOWLEDGED_CONTEXT, setWarningSink, STRICT_CONTEXT } from '../src/core/synth';

// A provider with the base config's ID replaces it: the user may mean it, so it is a warning.
const replacing: LlamaStackProps = {
  distribution: { name: 'starter' },
  providers: { inference: [{ provider: 'vllm', endpoint: 'http://vllm.models.svc:8000/v1' }] },
  // The starter's embedding model and reranker download from the Hub: with internet egress, no warning there.
  networking: { allowInternetEgress: true },
};
const LINE = "[warning base-provider-replaced] c/stack providers.inference[0]: replaces the base config's inference provider 'vllm' (remote::vllm)";

// The suite's setup silences warnings (test/support/quiet-warnings.ts); here they go to stderr, as in an app.
beforeAll(() => setWarningSink((line) => process.stderr.write(`${line}\n`)));

function captureStderr<T>(fn: () => T): { out: string; result?: T; error?: unknown } {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const result = fn();
    return { out: spy.mock.calls.map((c) => String(c[0])).join(''), result };
  } catch (error) {
    return { out: spy.mock.calls.map((c) => String(c[0])).join(''), error };
  } finally {
    spy.mockRestore();
  }
}

function app(context: Record<string, unknown> = {}, props: Partial<LlamaStackProps> = {}): { app: App; chart: Chart; stack: LlamaStack } {
  const a = withContext(context);
  const chart = new Chart(a, 'c', { namespace: 'llm' });
  const stack = new LlamaStack(chart, 'stack', { ...replacing, ...props });
  return { app: a, chart, stack };
}

test('a warning is on stack.warnings with its code, and printed once at synth on stderr, not at construction', () => {
  const built = captureStderr(() => app());
  expect(built.out).toBe('');
  const { app: a, chart, stack } = built.result!;
  expect(stack.warnings).toEqual([{ code: WarningCode.BASE_PROVIDER_REPLACED, construct: 'c/stack', path: 'providers.inference[0]', message: "replaces the base config's inference provider 'vllm' (remote::vllm)", hint: undefined }]);
  const first = captureStderr(() => Testing.synth(chart));
  expect(first.out).toBe(`${LINE}\n`);
  // Synthesizing again (another chart, or app.synth after tests) does not repeat it.
  expect(captureStderr(() => Testing.synth(chart)).out).toBe('');
  expect(captureStderr(() => a.synthYaml()).out).toBe('');
});

test('strict (prop): the warning is a synth error in the errors\' shape, naming the code and how to accept it', () => {
  const { chart } = app({}, { strict: true });
  const r = captureStderr(() => Testing.synth(chart));
  expect(r.out).toBe('');
  expect(ValidationError.isValidationError(r.error)).toBe(true);
  const e = r.error as ValidationError;
  expect(e.message).toBe("c/stack providers.inference[0]: replaces the base config's inference provider 'vllm' (remote::vllm) [warning base-provider-replaced, an error in strict mode] (fix it, or acknowledge the warning with acknowledgedWarnings: ['base-provider-replaced'])");
});

test.each([true, 'true'])('strict (app context %p) applies to every construct', (value) => {
  const { chart } = app({ [STRICT_CONTEXT]: value });
  expect(() => Testing.synth(chart)).toThrow(/\[warning base-provider-replaced, an error in strict mode\]/);
});

test('acknowledged codes are neither printed nor errors: per stack or for the app', () => {
  const own = app({ [STRICT_CONTEXT]: true }, { acknowledgedWarnings: [WarningCode.BASE_PROVIDER_REPLACED] });
  expect(captureStderr(() => Testing.synth(own.chart))).toEqual({ out: '', result: expect.any(Array) });
  const appWide = app({ [ACKNOWLEDGED_CONTEXT]: ['base-provider-replaced'] });
  expect(captureStderr(() => Testing.synth(appWide.chart)).out).toBe('');
  // Another code acknowledged leaves this one in place.
  const other = app({}, { acknowledgedWarnings: [WarningCode.PROVIDER_DEPRECATED] });
  expect(captureStderr(() => Testing.synth(other.chart)).out).toBe(`${LINE}\n`);
});

test('warnings of several stacks are printed in path order, whatever the creation order', () => {
  const lines = (names: string[]) => {
    const a = Testing.app();
    const chart = new Chart(a, 'c', { namespace: 'llm' });
    for (const n of names) new LlamaStack(chart, n, replacing);
    return captureStderr(() => a.synthYaml()).out.split('\n').filter((l) => l).map((l) => l.split(' ')[2]);
  };
  expect(lines(['b', 'a'])).toEqual(['c/a', 'c/b']);
  expect(lines(['a', 'b'])).toEqual(['c/a', 'c/b']);
});

test('every warning code is documented in docs/warnings.md, and the docs list no other code', () => {
  const doc = fs.readFileSync('docs/warnings.md', 'utf8');
  const documented = [...doc.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]).sort();
  expect(documented).toEqual(Object.values(WarningCode).sort());
});
