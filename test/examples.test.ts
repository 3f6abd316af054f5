import { spawnSync } from 'child_process';
import { Testing, Yaml } from 'cdk8s';
import * as yaml from 'js-yaml';
import { conformanceProblems, Manifest } from './support/manifests';
import { hostedAndSafety } from '../examples/hosted-and-safety/app';
import { platform } from '../examples/platform/app';
import { production } from '../examples/production/app';
import { quickstart } from '../examples/quickstart/app';

const examples = { quickstart, hostedAndSafety, production, platform };

describe.each(Object.entries(examples))('example %s', (_name, build) => {
  const app = Testing.app();
  build(app);
  const objs = app.charts.flatMap((c) => Testing.synth(c)) as Manifest[];

  test('every object is schema-valid (unknown fields rejected), PSS restricted, and covered by a NetworkPolicy', () => {
    expect(objs.length).toBeGreaterThan(0);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('the synthesized YAML, as cdk8s writes it, parses with a libyaml-family reader (PyYAML) to the same objects', () => {
    const text = Yaml.stringify(...objs);
    const r = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'], { input: text, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(objs)));
  });

  test('every generated config.yaml parses and names only env vars the pod has', () => {
    const configs = objs.filter((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml']);
    // One per Llama Stack server (a Deployment whose container is llama-stack); every example has at least one.
    const servers = objs.filter((o) => o.kind === 'Deployment' && o.spec.template.spec.containers.some((c: any) => c.name === 'llama-stack'));
    expect(servers.length).toBeGreaterThan(0);
    expect(configs).toHaveLength(servers.length);
    let placeholders = 0;
    for (const cm of configs) {
      // The Deployment in the same namespace that mounts this ConfigMap.
      const deployment = objs.find((o) => o.kind === 'Deployment' && o.metadata.namespace === cm.metadata.namespace
        && o.spec.template.spec.volumes?.some((v: any) => v.configMap?.name === cm.metadata.name));
      const env = new Set(deployment!.spec.template.spec.containers[0].env.map((e: any) => e.name));
      const text: string = cm.data['config.yaml'];
      expect(yaml.load(text)).toMatchObject({ version: 2 });
      const required = [...text.matchAll(/\$\{env\.([A-Z0-9_]+)\}/g)].map((m) => m[1]);
      for (const name of required) expect(env).toContain(name);
      placeholders += required.length;
    }
    // Each example's configs do hold required variables (Secret-backed values at least), so the check above ran.
    expect(placeholders).toBeGreaterThan(0);
  });
});
