import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { LlamaStack, LlamaStackProps } from '../../src';
import { CA_BUNDLE_SCRIPT } from '../../src/llama-stack/ca-bundle';
import { validationIssues } from '../support/errors';
import { conformanceProblems, Manifest } from '../support/manifests';
import { multiPod } from '../support/stacks';

const base: LlamaStackProps = { distribution: { name: 'starter' } };

function synth(props: LlamaStackProps): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  new LlamaStack(chart, 'stack', props);
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string) => objs.find((o) => o.kind === kind);
const pod = (objs: Manifest[]) => find(objs, 'Deployment')!.spec.template.spec;
const config = (objs: Manifest[]) => yaml.load(find(objs, 'ConfigMap')!.data['config.yaml']) as any;

const errors = (props: LlamaStackProps): string[] => validationIssues(() => synth(props));

describe('TLS', () => {
  const objs = synth({ ...base, networking: { tls: { enabled: true, secretName: 'stack-tls' } } });

  test('the Secret is mounted read-only and its paths go to the config; probes use HTTPS', () => {
    const p = pod(objs);
    expect(p.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'stack-tls', items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } });
    expect(p.containers[0].volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/llama-stack-tls', readOnly: true });
    expect(config(objs).server).toEqual({ port: 8321, tls_certfile: '/etc/llama-stack-tls/tls.crt', tls_keyfile: '/etc/llama-stack-tls/tls.key' });
    expect(config(objs).server.tls_cafile).toBeUndefined();
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(p.containers[0][probe].httpGet.scheme).toBe('HTTPS');
    expect(find(objs, 'Service')!.spec.ports[0].appProtocol).toBe('https');
  });

  test('rules: enabled needs secretName; secretName needs enabled', () => {
    expect(errors({ ...base, networking: { tls: { enabled: true } } })).toEqual([
      'networking.tls.secretName: secretName is required when TLS is enabled (give the name of a kubernetes.io/tls Secret)',
    ]);
    expect(errors({ ...base, networking: { tls: { secretName: 's' } } })).toEqual([
      'networking.tls.enabled: secretName is given but TLS is not enabled (set tls.enabled: true, or remove secretName)',
    ]);
  });
});

describe('CA bundle', () => {
  const objs = synth({ ...base, networking: { tls: { caBundle: { configMapName: 'corp-ca', keys: ['root.crt', 'sub.pem'] } } } });

  test('an init container combines the system bundle with the ConfigMap keys; the server reads it through env', () => {
    const p = pod(objs);
    const init = p.initContainers[0];
    expect(init.name).toBe('ca-bundle');
    expect(init.image).toBe('docker.io/llamastack/distribution-starter:0.7.1');
    expect(init.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(init.command.slice(3)).toEqual(['ca-bundle', '/etc/llama-stack-ca/custom/root.crt', '/etc/llama-stack-ca/custom/sub.pem']);
    // Its stderr is the termination message when it fails (kubectl describe, kubectl llamastack doctor).
    expect(init.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(p.volumes).toContainEqual({ name: 'ca-custom', configMap: { name: 'corp-ca', items: [{ key: 'root.crt', path: 'root.crt' }, { key: 'sub.pem', path: 'sub.pem' }] } });
    const env = Object.fromEntries(p.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.SSL_CERT_FILE).toBe('/etc/llama-stack-ca/combined/ca-bundle.crt');
    expect(env.REQUESTS_CA_BUNDLE).toBe('/etc/llama-stack-ca/combined/ca-bundle.crt');
    expect(config(objs).server.tls_cafile).toBeUndefined();
  });

  test('without keys, the ConfigMap\'s ca-bundle.crt is the one key read (the operator\'s default)', () => {
    const p = pod(synth({ ...base, networking: { tls: { caBundle: { configMapName: 'corp-ca' } } } }));
    expect(p.volumes).toContainEqual({ name: 'ca-custom', configMap: { name: 'corp-ca', items: [{ key: 'ca-bundle.crt', path: 'ca-bundle.crt' }] } });
    expect(p.initContainers[0].command.slice(3)).toEqual(['ca-bundle', '/etc/llama-stack-ca/custom/ca-bundle.crt']);
  });

  test('key names are validated', () => {
    expect(errors({ ...base, networking: { tls: { caBundle: { configMapName: 'c', keys: ['../etc/passwd', 'a/b', '', 'ok.crt'] } } } })).toEqual([
      "networking.tls.caBundle.keys[0]: '../etc/passwd' is not a valid ConfigMap key (use letters, digits, '-', '_' and '.' (no '/', no '..'))",
      "networking.tls.caBundle.keys[1]: 'a/b' is not a valid ConfigMap key (use letters, digits, '-', '_' and '.' (no '/', no '..'))",
      "networking.tls.caBundle.keys[2]: '' is not a valid ConfigMap key (use letters, digits, '-', '_' and '.' (no '/', no '..'))",
    ]);
  });

  describe('the emitted script, run for real', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-bundle-'));
    const openssl = (...args: string[]) => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    };
    // A private CA and a server certificate it signed; the "system" bundle is a second, unrelated CA.
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'corp.key', '-out', 'corp.crt', '-days', '2', '-subj', '/CN=Corp Root');
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'pub.key', '-out', 'system.crt', '-days', '2', '-subj', '/CN=Public Root');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=svc.internal');
    openssl('x509', '-req', '-in', 'srv.csr', '-CA', 'corp.crt', '-CAkey', 'corp.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2');

    const run = (system: string, files: string[]) => {
      const script = init().command[2];
      return spawnSync('sh', ['-c', script, 'ca-bundle', ...files], {
        encoding: 'utf8', env: { PATH: process.env.PATH, SYSTEM_CA_BUNDLE: system, COMBINED_CA_BUNDLE: path.join(dir, 'combined.crt') },
      });
    };
    const init = () => pod(objs).initContainers[0];

    test('the emitted command carries the module script unchanged', () => {
      expect(init().command[2]).toBe(CA_BUNDLE_SCRIPT);
    });

    test('it combines both, and the result verifies certificates from either CA', () => {
      const r = run(path.join(dir, 'system.crt'), [path.join(dir, 'corp.crt')]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const combined = path.join(dir, 'combined.crt');
      const verify = (cert: string) => spawnSync('openssl', ['verify', '-CAfile', combined, cert], { cwd: dir, encoding: 'utf8' });
      expect(verify('srv.crt').status).toBe(0);
      expect(verify('system.crt').status).toBe(0);
      // Python's ssl (what the server's HTTP clients use via SSL_CERT_FILE) loads the combined file.
      const py = spawnSync('python3', ['-c', 'import ssl,sys; c=ssl.create_default_context(cafile=sys.argv[1]); print(len(c.get_ca_certs()))', combined], { encoding: 'utf8' });
      expect(py.stdout.trim()).toBe('2');
    });

    test('it fails clearly on a missing key, a non-certificate, or a missing system bundle', () => {
      fs.writeFileSync(path.join(dir, 'junk.crt'), 'not a certificate\n');
      const missing = run(path.join(dir, 'system.crt'), [path.join(dir, 'nope.crt')]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/nope.crt is missing \(is the key in the ConfigMap\?\)/);
      const junk = run(path.join(dir, 'system.crt'), [path.join(dir, 'junk.crt')]);
      expect(junk.status).toBe(1);
      expect(junk.stderr).toMatch(/junk.crt contains no PEM certificate/);
      const nosys = run(path.join(dir, 'absent.crt'), [path.join(dir, 'corp.crt')]);
      expect(nosys.stderr).toMatch(/the image has no system CA bundle at/);
    });

    test('file names with shell metacharacters are data, not code', () => {
      const odd = path.join(dir, '$(touch pwned);x.crt');
      fs.copyFileSync(path.join(dir, 'corp.crt'), odd);
      expect(run(path.join(dir, 'system.crt'), [odd]).status).toBe(0);
      expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false);
      expect(fs.existsSync(path.join(process.cwd(), 'pwned'))).toBe(false);
    });
  });
});

describe('expose', () => {
  test('{} and { enabled: true } create an Ingress to the Service; the controller namespace is admitted', () => {
    for (const expose of [{}, { enabled: true }]) {
      const objs = synth({ ...base, networking: { expose } });
      const ing = find(objs, 'Ingress')!;
      expect(ing.metadata.name).toBe('stack-ingress');
      expect(ing.spec.rules).toEqual([{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'stack-service', port: { number: 8321 } } } }] } }]);
      expect(find(objs, 'NetworkPolicy')!.spec.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } });
    }
    expect(find(synth({ ...base, networking: { expose: { enabled: false } } }), 'Ingress')).toBeUndefined();
    expect(find(synth({ ...base, networking: { expose: { enabled: false } } }), 'Ingress')).toBeUndefined();
  });

  test('hostname, class, TLS, annotations; an HTTPS backend gets the backend-protocol annotation', () => {
    const objs = synth({
      ...base,
      networking: {
        tls: { enabled: true, secretName: 's' },
        expose: { hostname: 'llama.example.com', ingressClassName: 'nginx', tlsSecretName: 'pub', annotations: { a: 'b' }, controllerNamespace: 'ingress' },
      },
    });
    const ing = find(objs, 'Ingress')!;
    expect(ing.metadata.annotations).toEqual({ 'a': 'b', 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' });
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.tls).toEqual([{ hosts: ['llama.example.com'], secretName: 'pub' }]);
    expect(ing.spec.rules[0].host).toBe('llama.example.com');
    expect(find(objs, 'NetworkPolicy')!.spec.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } });
  });

  test('tlsSecretName needs a hostname', () => {
    expect(errors({ ...base, networking: { expose: { tlsSecretName: 'x' } } })).toEqual(['networking.expose.tlsSecretName: tlsSecretName needs a hostname (set expose.hostname)']);
  });
});

describe('allowedFrom', () => {
  test("'*' admits all namespaces; namespace label keys use Exists", () => {
    expect(find(synth({ ...base, networking: { allowedFrom: { namespaces: ['*'] } } }), 'NetworkPolicy')!.spec.ingress[0].from).toEqual([{ namespaceSelector: {} }]);
    const from = find(synth({ ...base, networking: { allowedFrom: { namespaceLabels: ['team/authorized'] } } }), 'NetworkPolicy')!.spec.ingress[0].from;
    expect(from).toContainEqual({ namespaceSelector: { matchExpressions: [{ key: 'team/authorized', operator: 'Exists' }] } });
  });
});

describe('workload', () => {
  test('autoscaling: HPA, no fixed replicas, default CPU target, PDB and spread by default', () => {
    const objs = synth({ ...multiPod, workload: { autoscaling: { maxReplicas: 4 } } });
    expect(find(objs, 'Deployment')!.spec.replicas).toBeUndefined();
    const hpa = find(objs, 'HorizontalPodAutoscaler')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'stack' },
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    expect(find(objs, 'PodDisruptionBudget')!.spec.maxUnavailable).toBe(1);
    // Best effort (ScheduleAnyway): a spread the cluster cannot satisfy must not leave replicas Pending.
    const selector = find(objs, 'Deployment')!.spec.selector.matchLabels;
    expect(pod(objs).topologySpreadConstraints).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
      maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector },
    })));
  });

  test('memory and CPU targets', () => {
    const hpa = find(synth({ ...multiPod, workload: { autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpu: 75, targetMemory: 70 } } }), 'HorizontalPodAutoscaler')!;
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 75], ['memory', 70]]);
  });

  test('one replica: no PDB, no spread; replicas > 1: default PDB maxUnavailable 1', () => {
    const one = synth(base);
    expect(find(one, 'PodDisruptionBudget')).toBeUndefined();
    expect(pod(one).topologySpreadConstraints).toBeUndefined();
    const three = synth({ ...multiPod, workload: { replicas: 3 } });
    expect(find(three, 'PodDisruptionBudget')!.spec).toEqual({ selector: { matchLabels: { 'app.kubernetes.io/name': 'llama-stack', 'app.kubernetes.io/instance': 'stack' } }, maxUnavailable: 1 });
    expect(find(synth({ ...multiPod, workload: { replicas: 3, podDisruptionBudget: { minAvailablePercent: 50 } } }), 'PodDisruptionBudget')!.spec.minAvailable).toBe('50%');
  });

  test('storage: PVC mounted as the data directory, Recreate for ReadWriteOnce, SQLite files on it', () => {
    const objs = synth({ ...base, storage: { kv: { type: 'sqlite' } }, workload: { storage: { size: '5Gi', storageClassName: 'fast', mountPath: '/data' } } });
    const pvc = find(objs, 'PersistentVolumeClaim')!;
    expect(pvc.metadata.name).toBe('stack-pvc');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    expect(find(objs, 'Deployment')!.spec.strategy).toEqual({ type: 'Recreate' });
    const p = pod(objs);
    expect(p.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'stack-pvc' } });
    expect(p.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    // ~/.llama, where the base config keeps its SQLite files, is on the PVC too.
    expect(p.containers[0].env).toContainEqual({ name: 'HOME', value: '/data' });
    expect(p.volumes.map((v: any) => v.name)).not.toContain('home');
    expect(config(objs).storage.backends.kv_default.db_path).toBe('/data/kvstore.db');
  });

  test('a ReadWriteOnce PVC with several replicas or autoscaling above one is an error', () => {
    const fix = '(keep state in PostgreSQL (storage.sql/kv type postgres) and drop workload.storage, or use accessMode ReadWriteMany, or run one replica)';
    expect(errors({ ...multiPod, workload: { replicas: 2, storage: {} } })).toEqual([`workload.storage: a ReadWriteOnce volume can serve only one pod, but replicas is 2 ${fix}`]);
    expect(errors({ ...multiPod, workload: { autoscaling: { maxReplicas: 3 }, storage: {} } })).toEqual([`workload.storage: a ReadWriteOnce volume can serve only one pod, but autoscaling allows up to 3 ${fix}`]);
    const rwx = synth({ ...multiPod, workload: { replicas: 2, storage: { accessMode: 'ReadWriteMany' } } });
    expect(find(rwx, 'Deployment')!.spec.strategy.type).toBe('RollingUpdate');
    expect(pod(rwx).topologySpreadConstraints).toHaveLength(2);
  });

  test('HPA and PDB rules', () => {
    expect(errors({ ...multiPod, workload: { replicas: 2, autoscaling: { minReplicas: 5, maxReplicas: 3, targetCpu: 120 } } })).toEqual([
      'workload.replicas: replicas and autoscaling are mutually exclusive (remove replicas: the HorizontalPodAutoscaler sets them (minReplicas is the floor))',
      'workload.autoscaling.minReplicas: minReplicas (5) must be less than or equal to maxReplicas (3) (raise maxReplicas or lower minReplicas)',
      'workload.autoscaling.targetCpu: targetCpu must be a percentage from 1 to 100, got 120 (e.g. 75)',
    ]);
    expect(errors({ ...base, workload: { podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } } })).toEqual([
      'workload.podDisruptionBudget.maxUnavailable: give at most one of minAvailable, maxUnavailable, minAvailablePercent, maxUnavailablePercent; got minAvailable and maxUnavailable (e.g. podDisruptionBudget: { maxUnavailable: 1 })',
    ]);
    expect(errors({ ...base, workload: { podDisruptionBudget: { maxUnavailablePercent: 150 } } })[0]).toMatch(/150 is not a percentage/);
  });

  test('topology spread constraints given replace the default', () => {
    const tsc = [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/region', whenUnsatisfiable: 'DoNotSchedule' }];
    expect(pod(synth({ ...multiPod, workload: { replicas: 3, topologySpreadConstraints: tsc } })).topologySpreadConstraints).toEqual(tsc);
  });

  test('overrides reach the pod and container', () => {
    const objs = synth({
      ...base,
      workload: {
        overrides: {
          serviceAccountName: 'custom-sa',
          env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          envFrom: [{ configMapRef: { name: 'extra' } }],
          command: ['llama', 'stack', 'run'],
          args: ['/etc/llama-stack/config.yaml'],
          volumes: [{ name: 'extra', configMap: { name: 'extra' } }],
          volumeMounts: [{ name: 'extra', mountPath: '/extra', readOnly: true }],
          terminationGracePeriodSeconds: 90,
          nodeSelector: { pool: 'cpu' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'llm', effect: 'NoSchedule' }],
          imagePullSecrets: ['registry'],
          podLabels: { team: 'ai' },
          podAnnotations: { note: 'x' },
        },
      },
    });
    expect(find(objs, 'ServiceAccount')).toBeUndefined();
    const d = find(objs, 'Deployment')!;
    const p = d.spec.template.spec;
    const c = p.containers[0];
    expect(p.serviceAccountName).toBe('custom-sa');
    expect(c.env).toContainEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'extra' } }]);
    expect([c.command, c.args]).toEqual([['llama', 'stack', 'run'], ['/etc/llama-stack/config.yaml']]);
    expect(p.volumes).toContainEqual({ name: 'extra', configMap: { name: 'extra' } });
    expect(c.volumeMounts).toContainEqual({ name: 'extra', mountPath: '/extra', readOnly: true });
    expect(p.terminationGracePeriodSeconds).toBe(90);
    expect(p.nodeSelector).toEqual({ pool: 'cpu' });
    expect(p.tolerations).toHaveLength(1);
    expect(p.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(d.spec.template.metadata.labels.team).toBe('ai');
    expect(d.spec.template.metadata.annotations.note).toBe('x');
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('override env names satisfy ${env.X}; invalid overrides are reported', () => {
    expect(() => synth({ distribution: { name: 'postgres-demo' }, providers: { files: [{ provider: 'localfs' }] }, workload: { overrides: { env: [{ name: 'INFERENCE_MODEL', value: 'm' }, { name: 'VLLM_URL', value: 'http://vllm.models.svc:8000/v1' }] } } })).not.toThrow();
    expect(errors({
      ...base,
      workload: {
        overrides: {
          env: [{ name: 'HOME', value: '/x' }, { name: 'DB_PASSWORD', value: 'hunter2' }],
          volumes: [{ name: 'data', emptyDir: {} }, { name: 'host', hostPath: { path: '/' } } as any],
          volumeMounts: [{ name: 'ghost', mountPath: '/g' }],
        },
      },
    })).toEqual([
      'workload.overrides.env[0].name: HOME is set by the construct (remove it; it points ~/.llama at the data volume (use workload.storage.mountPath))',
      'workload.overrides.env[1].value: looks like a secret but is a literal value (use valueFrom.secretKeyRef)',
      'workload.overrides.volumes[0].name: volume name \'data\' is used by the construct (choose another name (taken: config, data, cache, tmp, tls, ca-custom, ca-combined, external-providers, external-provider-scripts))',
      "workload.overrides.volumes[1]: volume type 'hostPath' is not allowed by the Pod Security Standards restricted profile (use one of: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)",
      "workload.overrides.volumeMounts[0].name: mounts volume 'ghost', which is not declared (add it to volumes)",
    ]);
  });
});

test('a stack with everything is schema-valid, restricted and covered', () => {
  const objs = synth({
    ...multiPod,
    networking: { tls: { enabled: true, secretName: 't', caBundle: { configMapName: 'ca' } }, expose: { hostname: 'a.example.com', tlsSecretName: 'p' }, allowedFrom: { namespaces: ['x'], namespaceLabels: ['k'] } },
    workload: { workers: 2, autoscaling: { minReplicas: 2, maxReplicas: 4, targetMemory: 70 }, storage: { accessMode: 'ReadWriteMany' }, podDisruptionBudget: { minAvailable: 1 } },
  });
  expect(objs.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'NetworkPolicy', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
  expect(conformanceProblems(objs)).toEqual([]);
});
