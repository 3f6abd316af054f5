import { App, Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { GpuNodePool, LlamaStack, VllmModel, VllmModelProps } from '../../src';
import { ValidationError } from '../../src/core/errors';
import { validationIssues } from '../support/errors';
import { conformanceProblems, Manifest } from '../support/manifests';

const base: VllmModelProps = { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production' };

/** `null`: a chart without a namespace. */
function synth(props: VllmModelProps, ns: string | null = 'llm'): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: ns ?? undefined });
  new VllmModel(chart, 'llama-8b', props);
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string, name?: string) => objs.find((o) => o.kind === kind && (name ?? o.metadata.name) === o.metadata.name)!;
const container = (objs: Manifest[]) => find(objs, 'Deployment').spec.template.spec.containers[0];
const env = (objs: Manifest[]) => Object.fromEntries(container(objs).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

const errors = (props: VllmModelProps, ns: string | null = 'llm'): string[] => validationIssues(() => synth(props, ns));

describe('defaults', () => {
  const objs = synth(base);

  test('objects: ServiceAccount, Deployment, Service, NetworkPolicy, and the namespace\'s ServiceMonitor, PrometheusRule, dashboard; schema-valid and restricted', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/llama-8b-production',
      'Deployment/llama-8b-production',
      'Service/llama-8b-production',
      'NetworkPolicy/llama-8b-production',
      'ServiceMonitor/vllm-models',
      'PrometheusRule/vllm-models',
      'ConfigMap/vllm-models-dashboard',
    ]);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('container: pinned image, vllm serve, model positional, port 8000, version-gated flags', () => {
    const c = container(objs);
    expect(c.image).toBe('docker.io/vllm/vllm-openai:v0.21.0');
    expect(c.command).toEqual(['vllm', 'serve']);
    expect(c.args).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct', '--served-model-name', 'meta-llama/Llama-3.1-8B-Instruct', '--port', '8000',
      '--disable-access-log-for-endpoints', '/health,/metrics', '--shutdown-timeout', '30',
    ]);
    // Kubernetes' defaults are left out: protocol TCP, imagePullPolicy IfNotPresent (the image is pinned).
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    expect(c.imagePullPolicy).toBeUndefined();
  });

  test('GPU request = limit; CPU from the GPU count, memory from size and GPUs, plus /dev/shm; toleration; no service links', () => {
    const c = container(objs);
    // CPU 2 + 1 GPU (limit twice); memory 6 + 2 x 1 + 0.25 x 8 = 10Gi (limit 20Gi), each + 2Gi /dev/shm.
    expect(c.resources).toEqual({
      requests: { 'cpu': '3', 'memory': '12Gi', 'nvidia.com/gpu': '1' },
      limits: { 'cpu': '6', 'memory': '22Gi', 'nvidia.com/gpu': '1' },
    });
    const pod = find(objs, 'Deployment').spec.template.spec;
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes[0]).toEqual({ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(pod.volumes.find((v: any) => v.name === 'cache')).toEqual({ name: 'cache', emptyDir: {} });
  });

  test('probes all on /health; startup budget 900 s for 8B; deadlines above it; Recreate for one replica', () => {
    const c = container(objs);
    for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(p.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(900);
    expect(c.livenessProbe).toMatchObject({ periodSeconds: 30, timeoutSeconds: 10 });
    // Readiness every 10 s, 3 failures; liveness 3 failures: Kubernetes' defaults (k8s.io/api/core/v1 Probe:
    // periodSeconds default 10, failureThreshold default 3), not written.
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, timeoutSeconds: 5 });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 30, timeoutSeconds: 10 });
    const d = find(objs, 'Deployment').spec;
    expect(d.progressDeadlineSeconds).toBe(1500);
    expect(d.strategy).toEqual({ type: 'Recreate' });
    expect(d.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    expect(env(objs).VLLM_ENGINE_READY_TIMEOUT_S).toBe('900');
  });

  test('non-root with writable HOME and caches on volumes; usage stats off', () => {
    const e = env(objs);
    expect(e).toMatchObject({
      HOME: '/home/vllm',
      HF_HOME: '/cache/huggingface',
      VLLM_CACHE_ROOT: '/cache/vllm',
      TRITON_CACHE_DIR: '/cache/triton',
      TORCHINDUCTOR_CACHE_DIR: '/cache/torchinductor',
      VLLM_NO_USAGE_STATS: '1',
    });
    // The XDG base directories and vLLM's config root follow HOME (~/.cache, ~/.config, ~/.config/vllm): not set.
    // XDG Base Directory Specification (defaults $HOME/.cache, $HOME/.config); vllm/envs.py get_default_config_root.
    for (const derived of ['XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'VLLM_CONFIG_ROOT']) expect(e[derived]).toBeUndefined();
    const mounts = container(objs).volumeMounts.map((m: any) => m.mountPath);
    for (const dir of ['/home/vllm', '/cache', '/tmp', '/dev/shm']) expect(mounts).toContain(dir);
    expect(find(objs, 'Deployment').spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001 });
  });

  test('Service <model>-<environment> on 8000; NetworkPolicy admits only Prometheus, egress DNS + HTTPS', () => {
    const svc = find(objs, 'Service');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http' }]);
    expect(svc.spec.type).toBeUndefined(); // ClusterIP
    const np = find(objs, 'NetworkPolicy').spec;
    expect(np.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    }]);
    expect(np.egress.map((r: any) => r.ports.map((p: any) => p.port))).toEqual([[53, 53], [443]]);
    expect(find(objs, 'Deployment').metadata.labels.environment).toBe('production');
  });

  test('the ServiceMonitor selects the Service by a label Argo CD\'s tracking leaves alone', () => {
    const sm = find(objs, 'ServiceMonitor');
    expect(sm.spec.selector).toEqual({ matchLabels: { 'vllm.cdk8s-llama-stack.io/monitoring': 'vllm-models' } });
    expect(find(objs, 'Service').metadata.labels['vllm.cdk8s-llama-stack.io/monitoring']).toBe('vllm-models');
  });

  test('dashboard ConfigMap is sidecar-discoverable JSON', () => {
    const cm = find(objs, 'ConfigMap', 'vllm-models-dashboard');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    const d = JSON.parse(cm.data['vllm-models-llm.json']);
    expect(d.title).toBe('vLLM models (llm)');
  });

  test('synthesis is byte-identical', () => {
    expect(yaml.dump(synth(base))).toBe(yaml.dump(objs));
  });
});

describe('props', () => {
  test('typed props map to exact flags; ConfigMap for template and generation config', () => {
    const objs = synth({
      ...base,
      servedModelName: 'llama',
      tensorParallelSize: 2,
      pipelineParallelSize: 2,
      maxModelLen: 8192,
      gpuMemoryUtilization: 0.9,
      dtype: 'bfloat16',
      quantization: 'fp8',
      maxNumSeqs: 128,
      enablePrefixCaching: false,
      trustRemoteCode: true,
      enforceEager: true,
      revision: 'main',
      toolCallParser: 'llama3_json',
      reasoningParser: 'deepseek_r1',
      chatTemplate: '{{ messages }}',
      generationConfig: { top_p: 0.9, temperature: 0.6 },
      extraArgs: ['--enable-chunked-prefill'],
      drainSeconds: 45,
    });
    expect(container(objs).args).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct', '--served-model-name', 'llama', '--port', '8000',
      '--tensor-parallel-size', '2', '--pipeline-parallel-size', '2', '--max-model-len', '8192', '--gpu-memory-utilization', '0.9',
      '--dtype', 'bfloat16', '--quantization', 'fp8', '--max-num-seqs', '128', '--no-enable-prefix-caching', '--trust-remote-code',
      '--enforce-eager', '--revision', 'main', '--enable-auto-tool-choice', '--tool-call-parser', 'llama3_json',
      '--reasoning-parser', 'deepseek_r1', '--chat-template', '/etc/vllm/chat-template.jinja', '--generation-config', '/etc/vllm/generation',
      '--disable-access-log-for-endpoints', '/health,/metrics', '--shutdown-timeout', '45', '--enable-chunked-prefill',
    ]);
    expect(container(objs).resources.limits['nvidia.com/gpu']).toBe('4');
    // 2 x (6 + 2 x 4 GPUs + 0.25 x 8)Gi + 8Gi shm for more than one GPU.
    expect(container(objs).resources.limits.memory).toBe('40Gi');
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('llama-8b-production-config-'))!;
    expect(cm.immutable).toBe(true);
    expect(cm.data).toEqual({ 'chat-template.jinja': '{{ messages }}', 'generation_config.json': '{\n  "temperature": 0.6,\n  "top_p": 0.9\n}\n' });
    const pod = find(objs, 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'config',
      configMap: { name: cm.metadata.name, items: [{ key: 'chat-template.jinja', path: 'chat-template.jinja' }, { key: 'generation_config.json', path: 'generation/generation_config.json' }] },
    });
    expect(pod.terminationGracePeriodSeconds).toBe(75);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('secrets come only from Secrets; offline mode drops internet egress', () => {
    const objs = synth({
      ...base, hfToken: { name: 'hf', key: 'token' }, apiKey: { name: 'vllm', key: 'key' }, offline: true, cache: { existingClaimName: 'weights', accessMode: 'ReadWriteMany' },
    });
    const e = env(objs);
    expect(e.HF_TOKEN).toEqual({ secretKeyRef: { name: 'hf', key: 'token' } });
    expect(e.VLLM_API_KEY).toEqual({ secretKeyRef: { name: 'vllm', key: 'key' } });
    expect(e.HF_HUB_OFFLINE).toBe('1');
    expect(JSON.stringify(container(objs).args)).not.toMatch(/hf|key/i);
    expect(find(objs, 'NetworkPolicy').spec.egress).toHaveLength(1);
  });

  test('a Hugging Face mirror: HF_ENDPOINT and an egress rule to it', () => {
    const objs = synth({ ...base, hfEndpoint: 'http://hf-mirror.mirrors.svc.cluster.local:8080' });
    expect(env(objs).HF_ENDPOINT).toBe('http://hf-mirror.mirrors.svc.cluster.local:8080');
    expect(find(objs, 'NetworkPolicy').spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mirrors' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
    expect(errors({ ...base, hfEndpoint: 'ftp://x' })).toEqual(["hfEndpoint: 'ftp://x' is not an http(s) URL (e.g. http://hf-mirror.models.svc.cluster.local:8080)"]);
  });

  test('cache PVC; ReadOnlyMany pre-staged weights mount read-only, go offline and keep kernels writable', () => {
    const rwx = synth({ ...base, replicas: 2, cache: { size: '200Gi', storageClassName: 'fast', accessMode: 'ReadWriteMany' } });
    expect(find(rwx, 'PersistentVolumeClaim').spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'fast', resources: { requests: { storage: '200Gi' } } });
    expect(find(rwx, 'Deployment').spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    const rox = synth({ ...base, model: '/cache/models/llama', parameters: '8B', cache: { existingClaimName: 'weights', accessMode: 'ReadOnlyMany' } });
    expect(rox.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
    expect(container(rox).volumeMounts).toContainEqual({ name: 'cache', mountPath: '/cache', readOnly: true });
    expect(env(rox)).toMatchObject({ HF_HUB_OFFLINE: '1', VLLM_CACHE_ROOT: '/home/vllm/.cache/vllm' });
    expect(container(rox).args[0]).toBe('/cache/models/llama');
  });

  test('default alert thresholds: more than 10 waiting requests, KV cache above 95%', () => {
    const rules = find(synth(base), 'PrometheusRule').spec.groups[0].rules;
    const expr = (alert: string) => rules.find((r: any) => r.alert === alert).expr;
    expect(expr('VllmRequestQueueBacklog')).toMatch(/^sum by \(namespace, service, model_name\) \(vllm:num_requests_waiting\{.*\}\) > 10$/);
    expect(expr('VllmKvCacheSaturated')).toMatch(/^max by \(namespace, service, model_name\) \(vllm:kv_cache_usage_perc\{.*\}\) > 0\.95$/);
  });

  test('/dev/shm: 2Gi with one GPU, 8Gi from two GPUs on (NCCL)', () => {
    const shm = (props: Partial<VllmModelProps>) => find(synth({ ...base, ...props }), 'Deployment').spec.template.spec.volumes.find((v: any) => v.name === 'shm');
    expect([shm({}), shm({ tensorParallelSize: 2 }), shm({ pipelineParallelSize: 2 })].map((v) => v.emptyDir)).toEqual([
      { medium: 'Memory', sizeLimit: '2Gi' }, { medium: 'Memory', sizeLimit: '8Gi' }, { medium: 'Memory', sizeLimit: '8Gi' },
    ]);
  });

  test('sizes scale with the model: 70B on 4 GPUs', () => {
    const objs = synth({ ...base, model: 'meta-llama/Llama-3.3-70B-Instruct', tensorParallelSize: 4 });
    const c = container(objs);
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(2400);
    // CPU 2 + 4 GPUs; memory 6 + 2 x 4 + 0.25 x 70 = 31.5 -> 32Gi, + 8Gi /dev/shm.
    expect(c.resources.requests).toEqual({ 'cpu': '6', 'memory': '40Gi', 'nvidia.com/gpu': '4' });
    // Waits out a whole rollout: 2400 s budget + 600 s for scheduling and pull, plus 5 minutes.
    expect(find(objs, 'PrometheusRule').spec.groups[0].rules[1].for).toBe('55m');
  });

  test('overrides: startup budget, resources, shm, monitoring off, allowedFrom, runtime class', () => {
    const objs = synth({
      ...base,
      startupBudgetSeconds: 3600,
      resources: { requests: { cpu: '4', memory: '16Gi' }, limits: { cpu: '8', memory: '24Gi' } },
      sharedMemorySize: '512Mi',
      monitoring: { enabled: false },
      runtimeClassName: 'nvidia',
      allowedFrom: { namespaces: ['router'], podLabels: { app: 'gateway' } },
    });
    const c = container(objs);
    expect(c.startupProbe.failureThreshold).toBe(360);
    expect(c.resources.requests).toEqual({ 'cpu': '4', 'memory': '16896Mi', 'nvidia.com/gpu': '1' });
    expect(objs.map((o) => o.kind)).not.toContain('ServiceMonitor');
    expect(find(objs, 'Deployment').spec.template.spec.runtimeClassName).toBe('nvidia');
    expect(find(objs, 'NetworkPolicy').spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'router' } } },
      { podSelector: { matchLabels: { app: 'gateway' } } },
    ]);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('nothing admitted: the policy has no ingress rule at all (a rule without peers would admit everyone)', () => {
    const objs = synth({ ...base, monitoring: { enabled: false } });
    expect(find(objs, 'NetworkPolicy').spec.ingress).toEqual([]);
  });
});

describe('validation', () => {
  test('every problem at once, with paths and fixes', () => {
    expect(errors({
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      environment: 'Prod',
      name: 'Llama',
      gpuMemoryUtilization: 1.5,
      tensorParallelSize: 0,
      dtype: 'fp16',
      image: 'vllm/vllm-openai:latest',
      extraArgs: ['--swap-space', '4'],
      env: { HF_HOME: '/x', MY_TOKEN: 'abc' },
      resources: { limits: { 'nvidia.com/gpu': '2' } },
      cache: { accessMode: 'ReadWriteOnce' },
      replicas: 2,
    })).toEqual([
      "name: 'Llama' is not a valid model name (lower-case letters, digits and '-', starting with a letter)",
      "environment: 'Prod' is not a valid environment (e.g. development, staging or production)",
      "image: image 'vllm/vllm-openai:latest' uses the tag 'latest' (pin a version tag or a digest so deployments are reproducible)",
      "vllmVersion: no vLLM flag list is known for image 'vllm/vllm-openai:latest' (set vllmVersion to the release the image is built from (flag lists ship for: v0.21.0))",
      'tensorParallelSize: tensorParallelSize must be an integer from 1 to 64, got 0',
      'gpuMemoryUtilization: gpuMemoryUtilization must be a fraction above 0 and at most 1, got 1.5 (e.g. 0.9)',
      "dtype: unknown dtype 'fp16' (one of: auto, half, float16, bfloat16, float, float32)",
      'resources.limits.nvidia.com/gpu: nvidia.com/gpu is set by the construct (tensorParallelSize x pipelineParallelSize) (remove resources.limits.nvidia.com/gpu)',
      'cache.accessMode: a ReadWriteOnce volume can be used by one pod (or pods on one node), but 2 replicas would share it (use ReadWriteMany (or ReadOnlyMany with pre-staged weights), or one replica without allowSurge)',
      'env.HF_HOME: HF_HOME is reserved: the construct sets it or it breaks vLLM in a pod (remove it; see docs/vllm-models.md for the prop that controls it)',
      'env.MY_TOKEN: MY_TOKEN looks like a secret, and env values are written into the pod spec (use hfToken or apiKey, or set it from a Secret in your own patch)',
    ]);
  });

  test('wrong types and unknown keys are shape errors, before anything else', () => {
    expect(errors({ ...base, replicas: '2' as any, maxModelLn: 4096 } as any)).toEqual([
      "replicas: expected a number, got '2'",
      "maxModelLn: unknown field 'maxModelLn' (did you mean 'maxModelLen'?)",
    ]);
  });

  test('names: Service name budget, namespace required, parameters needed when the name does not say', () => {
    expect(errors({ ...base, name: 'a'.repeat(50), environment: 'production-eu-west' })[0]).toMatch(
      /^name: the Service name 'a+-production-eu-west' is 69 characters; at most 63 fit \(shorten name or environment/,
    );
    expect(errors(base, null)).toEqual([
      ': the chart has no namespace, so the Service URL cannot be known (create the model in a Chart with a namespace (new Chart(app, id, { namespace })))',
    ]);
    expect(errors({ ...base, model: 'org/custom-model' })).toEqual([
      "parameters: the parameter count cannot be read from 'org/custom-model' (set parameters (e.g. '8B'); it sizes the startup budget and memory, and checks GPU memory)",
    ]);
    expect(errors({ ...base, model: '/models/x', parameters: '8B' })).toEqual([
      "model: '/models/x' is not on the cache volume (weights given as a path must be under /cache/ (the cache volume), e.g. /cache/models/llama-8b)",
    ]);
  });
});

describe('GPU node pools', () => {
  function app(models: Array<Partial<VllmModelProps>>, poolProps = { gpusPerNode: 8, nodes: 1 }): App {
    const a = Testing.app();
    const chart = new Chart(a, 'c', { namespace: 'llm' });
    const pool = new GpuNodePool(chart, 'a100', { ...poolProps, gpuProduct: 'NVIDIA-A100-SXM4-80GB', nodeSelector: { 'node-type': 'gpu' }, tolerations: [{ key: 'gpu-workload', operator: 'Exists', effect: 'NoSchedule' }] });
    models.forEach((m, i) => new VllmModel(chart, `m${i}`, { ...base, nodePool: pool, ...m }));
    return a;
  }

  test('placement from the pool: node selector (the seed\'s node-type: gpu), product affinity, tolerations', () => {
    const a = app([{}]);
    const objs = Testing.synth(a.charts[0]) as Manifest[];
    const pod = find(objs, 'Deployment').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'node-type': 'gpu' });
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A100-SXM4-80GB'] },
    ]);
    expect(pod.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'gpu-workload', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  test('own affinity is kept; the pool\'s product is required in every term', () => {
    const a = app([{
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
      },
    }]);
    const affinity = find(Testing.synth(a.charts[0]) as Manifest[], 'Deployment').spec.template.spec.affinity;
    expect(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{
      matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A100-SXM4-80GB'] }],
    }]);
    expect(affinity.podAntiAffinity).toBeDefined();
  });

  test('the capacity error lists the models in path order, whatever order they were created in', () => {
    const message = (ids: string[]) => {
      const a = Testing.app();
      const chart = new Chart(a, 'c', { namespace: 'llm' });
      const pool = new GpuNodePool(chart, 'a100', { gpusPerNode: 8, nodes: 1 });
      for (const id of ids) new VllmModel(chart, id, { ...base, name: id, nodePool: pool, tensorParallelSize: 8 });
      try {
        a.synthYaml();
      } catch (err) {
        expect(ValidationError.isValidationError(err)).toBe(true);
        return (err as ValidationError).message;
      }
      throw new Error('expected a capacity error');
    };
    const forward = message(['alpha', 'beta']);
    expect(forward).toMatch(/\[c\/alpha: 1 pod\(s\) x 8 = 8; c\/beta: 1 pod\(s\) x 8 = 8\]/);
    expect(message(['beta', 'alpha'])).toBe(forward);
  });

  test('models that fit synthesize; too many fail synth naming every model', () => {
    expect(() => app([{ tensorParallelSize: 4 }, { replicas: 2, tensorParallelSize: 2, cache: undefined }]).synth()).not.toThrow();
    expect(() => app([{ tensorParallelSize: 4 }, { tensorParallelSize: 4, allowSurge: true }]).synth()).toThrow(
      /pool 'c\/a100' has 8 nvidia.com\/gpu \(1 node\(s\) x 8\); .*they need 12 \[c\/m0: 1 pod\(s\) x 4 = 4; c\/m1: 2 pod\(s\) x 4 = 8 \(1 of them only during a rolling update\)\]/,
    );
  });

  test('pods are packed largest first: on two 6-GPU nodes, two TP-4 and two TP-2 pods fit; three TP-4 pods do not', () => {
    const pool = { gpusPerNode: 6, nodes: 2 };
    // Smallest first would put both TP-2 pods on one node and leave a TP-4 pod Pending.
    const fours = { replicas: 2, tensorParallelSize: 4, allowSurge: false };
    expect(() => app([fours, { replicas: 2, tensorParallelSize: 2, allowSurge: false }], pool).synth()).not.toThrow();
    expect(() => app([{ replicas: 3, tensorParallelSize: 4, allowSurge: false }], pool).synth()).toThrow(
      /they need 12, but pods cannot be packed onto the nodes: 4 GPU\(s\) would stay Pending/,
    );
  });

  test('pool props are validated, unknown keys included', () => {
    expect(() => new GpuNodePool(new Chart(Testing.app(), 'c'), 'p', { gpusPerNode: 8, nodes: 1, gpuProdct: 'x' } as any)).toThrow("c/p gpuProdct: unknown field 'gpuProdct' (did you mean 'gpuProduct' or 'gpuProducts'?)");
    expect(() => new GpuNodePool(new Chart(Testing.app(), 'c'), 'p', { gpusPerNode: 0, nodes: 1.5 })).toThrow(
      /gpusPerNode: expected a positive integer, got 0 .*\n.*nodes: expected a positive integer, got 1.5/,
    );
  });
});

describe('with LlamaStack', () => {
  function platform() {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const llama = new VllmModel(chart, 'llama-8b', { ...base, apiKey: { name: 'vllm', key: 'key' }, maxModelLen: 8192 });
    const qwen = new VllmModel(chart, 'qwen', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'production', servedModelName: 'qwen' });
    new LlamaStack(chart, 'stack', { distribution: { name: 'starter' }, providers: { inference: [llama.asInferenceProvider(), qwen.asInferenceProvider()] } });
    return { llama, objs: Testing.synth(chart) as Manifest[] };
  }

  test('provider spec: remote::vllm at the Service URL, key from the Secret, the model registered', () => {
    const { llama } = platform();
    const { server, ...spec } = llama.asInferenceProvider();
    expect(spec).toEqual({
      provider: 'vllm',
      id: 'llama-8b',
      endpoint: 'http://llama-8b-production.llm.svc.cluster.local:8000/v1',
      apiKey: { name: 'vllm', key: 'key' },
      models: [{ name: 'meta-llama/Llama-3.1-8B-Instruct', providerModelId: 'meta-llama/Llama-3.1-8B-Instruct', contextLength: 8192 }],
    });
    // The spec carries the server itself: the stack wires egress and admission from it, not from the URL.
    expect(server).toBe(llama);
  });

  test('the stack config gets both providers and models; each model admits the stack and the stack reaches each model by pod labels', () => {
    const { objs } = platform();
    const config = yaml.load(objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('stack-config-'))!.data['config.yaml']) as any;
    const ours = config.providers.inference.filter((p: any) => ['llama-8b', 'qwen'].includes(p.provider_id));
    expect(ours.map((p: any) => [p.provider_id, p.config.base_url])).toEqual([
      ['llama-8b', 'http://llama-8b-production.llm.svc.cluster.local:8000/v1'],
      ['qwen', 'http://qwen-production.llm.svc.cluster.local:8000/v1'],
    ]);
    expect(config.registered_resources.models.filter((m: any) => ['llama-8b', 'qwen'].includes(m.provider_id)).map((m: any) => m.model_id)).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct', 'qwen',
    ]);
    const stackPods = { 'app.kubernetes.io/instance': 'stack', 'app.kubernetes.io/name': 'llama-stack' };
    for (const name of ['llama-8b-production', 'qwen-production']) {
      expect(find(objs, 'NetworkPolicy', name).spec.ingress[0].from).toContainEqual({ podSelector: { matchLabels: stackPods } });
    }
    const stackEgress = find(objs, 'NetworkPolicy', 'stack').spec.egress;
    // Same namespace: a pod selector alone (a NetworkPolicy peer without namespaceSelector is its own namespace).
    expect(stackEgress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'qwen-production', 'app.kubernetes.io/name': 'vllm' } } }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    });
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('a stack in another namespace is admitted from there', () => {
    const a = Testing.app();
    const models = new Chart(a, 'models', { namespace: 'models' });
    const llama = new VllmModel(models, 'llama-8b', base);
    const apps = new Chart(a, 'apps', { namespace: 'apps' });
    new LlamaStack(apps, 'stack', { distribution: { name: 'starter' }, providers: { inference: [llama.asInferenceProvider()] } });
    const np = find(Testing.synth(models) as Manifest[], 'NetworkPolicy').spec;
    expect(np.ingress[0].from).toContainEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'stack', 'app.kubernetes.io/name': 'llama-stack' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } },
    });
  });
});

describe('pooling models (embeddings)', () => {
  // vllm/config/model.py (v0.21.0): RunnerOption = Literal["auto", RunnerType] with RunnerType generate | pooling
  // | draft; ConvertOption = Literal["auto", ConvertType] with ConvertType none | embed | classify.
  const bge = { model: 'BAAI/bge-m3', parameters: '568M', environment: 'production' };

  test('runner and convert become flags, owned by the construct', () => {
    const args = container(synth({ ...bge, runner: 'pooling', convert: 'embed' })).args;
    expect(args.join(' ')).toContain('--runner pooling --convert embed');
    expect(errors({ ...bge, runner: 'embed', convert: 'reward' })).toEqual([
      "runner: unknown runner 'embed' (use generate or pooling (auto, the default, lets vLLM decide))",
      "convert: unknown convert 'reward' (use embed or classify)",
    ]);
    expect(errors({ ...bge, runner: 'generate', convert: 'embed' })).toEqual([
      "convert: convert 'embed' adapts a model to the pooling runner, but runner is generate (set runner: 'pooling', or remove convert)",
    ]);
    expect(errors({ ...bge, extraArgs: ['--runner', 'pooling'] })).toEqual(['extraArgs[0]: --runner is set by the construct (use runner)']);
  });

  test('asInferenceProvider refuses a model type the runner cannot serve', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const pooled = new VllmModel(chart, 'bge', { ...bge, runner: 'pooling' });
    expect(pooled.asInferenceProvider({ modelType: 'embedding', embeddingDimension: 1024 }).models).toEqual([
      expect.objectContaining({ name: 'BAAI/bge-m3', modelType: 'embedding', embeddingDimension: 1024 }),
    ]);
    expect(() => pooled.asInferenceProvider()).toThrow("c/bge asInferenceProvider.modelType: a llm model cannot be served by runner 'pooling'");
    const generating = new VllmModel(chart, 'gen', { ...bge, runner: 'generate' });
    expect(() => generating.asInferenceProvider({ modelType: 'embedding', embeddingDimension: 8 })).toThrow(/set runner: 'pooling' on the model/);
  });
});

test('GpuNodePool: absurd sizes are issues, not a RangeError of the capacity check at synth (found by test/fuzz)', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'c', { namespace: 'llm' });
  let error: unknown;
  try {
    new GpuNodePool(chart, 'pool', { gpusPerNode: 2 ** 31, nodes: 2 ** 60 });
  } catch (err) {
    error = err;
  }
  expect(ValidationError.isValidationError(error)).toBe(true);
  expect((error as ValidationError).message).toBe([
    '2 problems found:',
    'c/pool gpusPerNode: 2147483648 is more than 128 (no GPU node has more than a few dozen GPUs; give the GPUs of one node (e.g. 8), not of the pool)',
    'c/pool nodes: 1152921504606847000 is more than 5000 (Kubernetes supports clusters of at most 5,000 nodes; give the number of GPU nodes in this pool)',
  ].join('\n  '));
  // The largest pool is fine.
  const pool = new GpuNodePool(chart, 'big', { gpusPerNode: 128, nodes: 5000 });
  new VllmModel(chart, 'model', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'dev', nodePool: pool });
  expect(() => app.synth()).not.toThrow();
});
