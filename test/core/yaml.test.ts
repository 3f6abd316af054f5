import * as fc from 'fast-check';
import * as jsyaml from 'js-yaml';
import { toYaml } from '../../src/core/yaml';

test('strings a YAML 1.1 reader would retype are quoted', () => {
  const text = toYaml({ a: '1_000', b: '0b101', c: '1:30', d: 'yes', on: 'off', e: '0123', f: '1e3', g: 'plain', h: 12 });
  expect(text).toBe("a: '1_000'\nb: '0b101'\nc: '1:30'\nd: 'yes'\n'on': 'off'\ne: '0123'\nf: '1e3'\ng: plain\nh: 12\n");
});

test('any string map round-trips through YAML as strings', () => {
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), (obj) => {
    expect(jsyaml.load(toYaml(obj))).toEqual(obj);
  }));
});

test('numbers stay numbers', () => {
  expect(jsyaml.load(toYaml({ port: 8321, ratio: 0.5 }))).toEqual({ port: 8321, ratio: 0.5 });
});
