import { App, Chart, Testing } from 'cdk8s';
import { LlamaStack } from './src/llama-stack/llama-stack';
function run(label: string, props: any, print?: (objs: any[]) => any, ns = 'llm') {
  console.log(`\n===== ${label}`);
  try {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: ns });
    const st = new LlamaStack(chart, 'stack', props);
    const objs = Testing.synth(chart);
    console.log('OK', st.configMapName, st.url);
    if (print) console.log(JSON.stringify(print(objs), null, 1));
  } catch (e: any) { console.log(e.message); }
}
const s = { name: 'starter' };
const ref = { name: 'sec', key: 'k' };
const np = (o: any[]) => o.find((x) => x.kind === 'NetworkPolicy').spec;
run('name too long', { name: 'a'.repeat(48), distribution: s });
run('name 47', { name: 'a'.repeat(47), distribution: s });
run('bad name', { name: 'My_Stack', distribution: s });
run('egress', {
  distribution: s,
  providers: {
    inference: [
      { id: 'a', provider: 'vllm', endpoint: 'http://vllm:8000/v1' },
      { id: 'b', provider: 'vllm', endpoint: 'http://vllm.models.svc:8000/v1' },
      { id: 'c', provider: 'vllm', endpoint: 'http://vllm.models.svc.cluster.local/v1' },
      { id: 'd', provider: 'vllm', endpoint: 'http://10.0.0.5:8000/v1' },
      { id: 'e', provider: 'openai', apiKey: ref },
    ],
  },
  storage: { kv: { type: 'redis', host: 'redis.cache.svc' } },
  networking: { allowedFrom: { namespaces: ['apps'], podLabels: { team: 'ml' } } },
}, np);
run('external no opt-in', { distribution: s, providers: { inference: [{ id: 'x', provider: 'openai', endpoint: 'https://api.openai.com/v1', apiKey: ref }, { id: 'y', provider: 'vllm', endpoint: 'http://vllm.models:8000/v1' }] } });
run('external opt-in port 80', { distribution: s, networking: { allowInternetEgress: true }, providers: { inference: { provider: 'vllm', endpoint: 'http://vllm.example.com/v1' } } });
run('external opt-in', { distribution: s, networking: { allowInternetEgress: true }, providers: { inference: { provider: 'openai', endpoint: 'https://api.openai.com/v1', apiKey: ref } } }, (o) => np(o).egress);
run('public ip', { distribution: s, providers: { inference: { provider: 'vllm', endpoint: 'https://8.8.8.8/v1' } } }, (o) => np(o).egress);
run('reserved env + workload', { distribution: s, env: { LLAMA_STACK_PORT: '1', HOME: '/x' }, workload: { replicas: -1, resources: { requests: { cpu: 'lots' } } }, networking: { allowedFrom: { namespaces: ['Bad_NS'] } } });
run('deployment env', { distribution: s, providers: { inference: { provider: 'vllm', endpoint: 'http://vllm:8000/v1', apiKey: ref } }, env: { FOO: 'bar', SAFETY_MODEL: 'x', OPENAI_API_KEY: { name: 'openai', key: 'key' } }, networking: { port: 9000 } }, (o) => { const d = o.find((x) => x.kind === 'Deployment'); return { env: d.spec.template.spec.containers[0].env, ann: d.spec.template.metadata.annotations, ports: d.spec.template.spec.containers[0].ports, vols: d.spec.template.spec.volumes, mounts: d.spec.template.spec.containers[0].volumeMounts, res: d.spec.template.spec.containers[0].resources, kinds: o.map((x) => `${x.kind}/${x.metadata.name}`), svc: o.find((x) => x.kind === 'Service').spec, sc: d.spec.template.spec.securityContext, probes: d.spec.template.spec.containers[0].startupProbe }; });
run('override', { distribution: s, overrideConfig: { configMapName: 'my-llama-config' }, networking: { port: 9000 } }, (o) => o.map((x) => `${x.kind}/${x.metadata.name}`));
run('no ns chart', { distribution: s, providers: { inference: { provider: 'vllm', endpoint: 'http://vllm:8000/v1' } } }, (o) => np(o).egress, undefined as any);
