/**
 * Fixtures for the doctor: an app (a model on a GPU pool, a stack that holds it with a CA bundle, an
 * external provider and a PVC, a registry with an entry and a health check), and its live state built as
 * the API server would return it, typed with kubernetes-models' interfaces (Pod, ContainerStatus) and
 * validated against their schemas. Each failure class is a function that changes the healthy state.
 */
import { Chart, Testing } from 'cdk8s';
import { IIoK8sApiCoreV1ContainerStatus as IContainerStatus } from 'kubernetes-models/v1/ContainerStatus';
import { IPod } from 'kubernetes-models/v1/Pod';
import {
  ExternalProvider, GpuNodePool, LlamaStack, ModelRegistry, ModelRegistryEntry, VllmModel,
} from '../../src';
import { DeclaredConstruct, inventory, K8sObject, parseManifests } from '../../src/doctor/inventory';
import { openApiErrors } from '../support/manifests';

export const NOW = new Date('2026-03-01T12:00:00Z');
export const NS = 'llm';
/** `NOW` minus `s` seconds, as the API server writes times. */
export const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString().replace('.000Z', 'Z');

export const PROVIDER_IMAGE = 'quay.io/acme/acme-llm:1.0.0';

/** The synthesized manifests of the app. */
export function manifests(): K8sObject[] {
  const app = Testing.app();
  const chart = new Chart(app, 'doctor', { namespace: NS });
  const pool = new GpuNodePool(chart, 'a100', { gpuProduct: 'NVIDIA-A100-SXM4-80GB', gpusPerNode: 8, nodes: 2 });
  const model = new VllmModel(chart, 'llama-8b', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    environment: 'production',
    maxModelLen: 8192,
    nodePool: pool,
    hfToken: { name: 'hf', key: 'token' },
  });
  new LlamaStack(chart, 'stack', {
    distribution: { name: 'starter' },
    providers: { inference: [model.asInferenceProvider()] },
    externalProviders: { inference: [ExternalProvider.fromImage({ id: 'my-llm', image: PROVIDER_IMAGE })] },
    networking: { tls: { caBundle: { configMapName: 'corp-ca' } } },
    workload: { storage: { size: '10Gi' } },
    acknowledgedWarnings: ['download-blocked'],
  });
  const registry = new ModelRegistry(chart, 'registry', {
    database: { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' },
    healthCheck: { schedule: '*/2 * * * *' },
  });
  new ModelRegistryEntry(chart, 'llama-8b-entry', { registry, model });
  return parseManifests(app.synthYaml(), 'app');
}

export function declared(): DeclaredConstruct[] {
  return inventory(manifests(), 'default');
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

export function find(objs: K8sObject[], kind: string, name: string | RegExp): any {
  const o = objs.find((x) => x.kind === kind && (typeof name === 'string' ? x.metadata.name === name : name.test(x.metadata.name)));
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
}

function meta(o: K8sObject, i: number): any {
  return { ...o.metadata, namespace: o.metadata.namespace ?? NS, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, creationTimestamp: ago(3600), generation: 1, resourceVersion: String(1000 + i) };
}

/** A running, ready container status. */
export function readyStatus(name: string, image: string): IContainerStatus {
  return { name, image, imageID: `${image}@sha256:${'0'.repeat(64)}`, ready: true, started: true, restartCount: 0, state: { running: { startedAt: ago(3000) } } };
}

/** An init container that ended with 0. */
export function doneStatus(name: string, image: string): IContainerStatus {
  return { name, image, imageID: `${image}@sha256:${'0'.repeat(64)}`, ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: ago(3500), finishedAt: ago(3400) } } };
}

/** The pod a Deployment's ReplicaSet runs, Running and Ready. */
export function podOf(deployment: any, suffix = 'abc12'): IPod {
  const t = deployment.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployment.metadata.name}-6d5f7c9b8-${suffix}`,
      namespace: NS,
      labels: { ...t.metadata.labels, 'pod-template-hash': '6d5f7c9b8' },
      annotations: t.metadata.annotations,
      creationTimestamp: ago(3600),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment.metadata.name}-6d5f7c9b8`, uid: '00000000-0000-4000-8000-ffffffffffff', controller: true }],
    },
    spec: t.spec,
    status: {
      phase: 'Running',
      startTime: ago(3600),
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: ago(3600) },
        { type: 'Initialized', status: 'True', lastTransitionTime: ago(3400) },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: ago(2900) },
        { type: 'Ready', status: 'True', lastTransitionTime: ago(2900) },
      ],
      initContainerStatuses: (t.spec.initContainers ?? []).map((c: any) => doneStatus(c.name, c.image)),
      containerStatuses: t.spec.containers.map((c: any) => readyStatus(c.name, c.image)),
    },
  };
}

/** A Job's pod that ended. */
export function jobPodOf(job: any, template: any, exitCode: number, message?: string): IPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${job.metadata.name}-x7k2p`,
      namespace: NS,
      labels: { ...template.metadata.labels, 'batch.kubernetes.io/job-name': job.metadata.name, 'job-name': job.metadata.name },
      creationTimestamp: job.metadata.creationTimestamp,
    },
    spec: template.spec,
    status: {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      startTime: job.metadata.creationTimestamp,
      containerStatuses: template.spec.containers.map((c: any): IContainerStatus => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', message, startedAt: job.metadata.creationTimestamp, finishedAt: ago(60) } },
      })),
    },
  };
}

/** The live state of a healthy cluster where every declared object was applied. */
export function healthyState(decl: DeclaredConstruct[]): K8sObject[] {
  const out: K8sObject[] = [];
  let i = 0;
  for (const c of decl) {
    for (const o of c.objects) {
      const l: any = { ...clone(o), metadata: meta(o, i++) };
      switch (o.kind) {
        case 'Deployment': {
          const n = l.spec.replicas ?? 1;
          l.status = {
            observedGeneration: 1,
            replicas: n,
            updatedReplicas: n,
            readyReplicas: n,
            availableReplicas: n,
            conditions: [
              { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: ago(2900), lastTransitionTime: ago(2900) },
              { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${o.metadata.name}-6d5f7c9b8" has successfully progressed.`, lastUpdateTime: ago(2900), lastTransitionTime: ago(3600) },
            ],
          };
          out.push(podOf(l) as K8sObject);
          break;
        }
        case 'Job':
          l.status = {
            startTime: ago(3500),
            completionTime: ago(3400),
            succeeded: 1,
            conditions: [
              { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: ago(3400), lastTransitionTime: ago(3400) },
              { type: 'Complete', status: 'True', lastProbeTime: ago(3400), lastTransitionTime: ago(3400) },
            ],
          };
          break;
        case 'CronJob': {
          l.status = { lastScheduleTime: ago(120), lastSuccessfulTime: ago(110) };
          out.push(cronRun(l, 120, true));
          break;
        }
        case 'PersistentVolumeClaim':
          l.status = { phase: 'Bound', accessModes: l.spec.accessModes, capacity: { storage: '10Gi' } };
          break;
        default:
          break;
      }
      out.push(l);
    }
  }
  return out;
}

/** A Job the CronJob started `secondsAgo`, complete or failed. */
export function cronRun(cron: any, secondsAgo: number, ok: boolean): K8sObject {
  const name = `${cron.metadata.name}-${29_000_000 - secondsAgo}`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: NS,
      labels: cron.spec.jobTemplate.metadata.labels,
      creationTimestamp: ago(secondsAgo),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cron.metadata.name, uid: cron.metadata.uid, controller: true } as any],
    },
    spec: clone(cron.spec.jobTemplate.spec),
    status: ok
      ? {
        startTime: ago(secondsAgo),
        completionTime: ago(secondsAgo - 10),
        succeeded: 1,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: ago(secondsAgo - 10), lastTransitionTime: ago(secondsAgo - 10) },
          { type: 'Complete', status: 'True', lastProbeTime: ago(secondsAgo - 10), lastTransitionTime: ago(secondsAgo - 10) },
        ],
      }
      : {
        startTime: ago(secondsAgo),
        failed: 1,
        conditions: [
          { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: ago(secondsAgo - 10), lastTransitionTime: ago(secondsAgo - 10) },
          { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: ago(secondsAgo - 10), lastTransitionTime: ago(secondsAgo - 10) },
        ],
      },
  } as K8sObject;
}

/** Schema errors of the live objects (kubernetes-models' validate, status included). */
export function schemaErrors(state: K8sObject[]): string[] {
  return openApiErrors(state as any);
}

/** The pod of a Deployment in the state. */
export function podFor(state: K8sObject[], deployment: string): any {
  return state.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith(`${deployment}-6d5f7c9b8-`));
}

export function deploymentIn(state: K8sObject[], name: string): any {
  return find(state, 'Deployment', name);
}

/** Marks a Deployment as 0 of 1 available (its pod is not ready). */
export function unavailable(state: K8sObject[], name: string, progressing?: { reason: string; message: string }): void {
  const d = deploymentIn(state, name);
  d.status.readyReplicas = 0;
  d.status.availableReplicas = 0;
  d.status.unavailableReplicas = 1;
  d.status.conditions = [
    { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: ago(600), lastTransitionTime: ago(600) },
    { type: 'Progressing', status: progressing ? 'False' : 'True', reason: progressing?.reason ?? 'ReplicaSetUpdated', message: progressing?.message ?? `ReplicaSet "${name}-6d5f7c9b8" is progressing.`, lastUpdateTime: ago(600), lastTransitionTime: ago(600) },
  ];
  const pod = podFor(state, name);
  pod.status.conditions = pod.status.conditions.map((c: any) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c));
}
