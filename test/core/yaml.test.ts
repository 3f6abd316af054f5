import { spawnSync } from 'child_process';
import * as fc from 'fast-check';
import * as jsyaml from 'js-yaml';
import { toYaml } from '../../src/core/yaml';

/** JSON-like data as it survives JSON (no -0, no undefined). */
const jsonData = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)));
const tricky = ['1_000', '0b101', '1:30', 'yes', 'on', 'off', 'n', '~', '0123', '1e3', '.inf', '2001-01-01', '-x', 'a: b', 'a #b', 'x:', ' lead', 'trail ',
  '${env.X:=}', '${env.VLLM_URL:+vllm}', 'line\nbreak', 'a\x7fb', 'a\x85b', 'a\u2028b', '\ufeffbom', 'nul\x00', 'bell\x07', 'tab\there', 'quote"s', "it's", 'ünï', '<<', '=', '@x', '`x', '!x', '%x', '*x', '&x', '|', '>', '[a]', '{a}'];

test('block style with canonical layout', () => {
  expect(toYaml({ a: [1, { b: 'x', c: [] }], d: {}, e: null, f: true })).toBe('a:\n  - 1\n  - b: x\n    c: []\nd: {}\ne: null\nf: true\n');
});

test('strings a YAML 1.1 reader would retype are quoted; ordinary ones stay plain', () => {
  expect(toYaml({ a: '1_000', b: 'yes', on: 'off', c: '0123', d: 'plain', e: '${env.X:=}', h: 12 }))
    .toBe('a: "1_000"\nb: "yes"\n"on": "off"\nc: "0123"\nd: plain\ne: ${env.X:=}\nh: 12\n');
});

test('any JSON value round-trips through a YAML 1.2 reader', () => {
  fc.assert(fc.property(jsonData, (v) => {
    expect(jsyaml.load(toYaml(v))).toEqual(v);
  }), { numRuns: 500 });
  for (const s of tricky) expect(jsyaml.load(toYaml({ [s]: s }))).toEqual({ [s]: s });
});

/** A python3 with PyYAML: the reader Llama Stack itself uses (YAML 1.1). CI installs python3-yaml. */
function pyyaml(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}

test('PyYAML (YAML 1.1) reads every value back unchanged', () => {
  const py = pyyaml();
  expect(py).toBeDefined();
  const samples: unknown[] = fc.sample(jsonData, 300);
  samples.push(...fc.sample(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), 200));
  samples.push(Object.fromEntries(tricky.map((s) => [s, s])), tricky);
  const text = samples.map((s) => toYaml(s)).join('---\n');
  const r = spawnSync(py!, ['-c', 'import sys, yaml, json; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual(samples);
});
