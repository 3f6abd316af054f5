import { IConstruct } from 'constructs';
import { SecretKeyRef } from '../config/types';

/**
 * Pods a NetworkPolicy can name: the labels that select them and their namespace. Every construct of the
 * library that runs pods is one (`LlamaStack`, `VllmModel`); `NetworkPeer.pods(...)` makes one for pods of
 * your own (a Deployment of cdk8s-plus, a Helm release), e.g. to let them call a model server.
 */
export interface INetworkPeer {
  /** Labels that select the pods. */
  readonly podSelectorLabels: { [key: string]: string };
  /** The namespace the pods run in. */
  readonly namespace: string;
}

/** Peers for pods the library does not create. */
export class NetworkPeer implements INetworkPeer {
  /**
   * The pods with these labels in `namespace`.
   * @param podLabels labels that select the pods (at least one)
   * @param namespace the pods' namespace
   */
  public static pods(podLabels: { [key: string]: string }, namespace: string): INetworkPeer {
    return new NetworkPeer({ ...podLabels }, namespace);
  }

  private constructor(public readonly podSelectorLabels: { [key: string]: string }, public readonly namespace: string) {}
}

/** A LoRA adapter a model server serves next to its base model: clients request it as a model by its name. */
export interface ModelServerAdapter {
  /** The model name clients put in requests for the adapter. */
  readonly name: string;
  /** Where the adapter comes from: a Hugging Face repository ID or a path. */
  readonly source: string;
}

/**
 * A model server other constructs can send requests to. `VllmModel` implements it; so can your own
 * construct for another engine, and it is then wired exactly like the built-in one.
 *
 * Clients hold the server object (`InferenceProvider.fromModelServer(server)` for a `LlamaStack`,
 * `model:` for a `ModelRegistryEntry`): they take their egress rule from its pod labels, namespace and
 * container port, and call `allowFrom` so the server's NetworkPolicy admits exactly their pods. Nothing is
 * looked up by URL, so the output does not depend on the order constructs are created in.
 */
export interface IModelServer extends IConstruct, INetworkPeer {
  /** The model name clients put in requests (vLLM's `--served-model-name`). */
  readonly servedModelName: string;
  /** Where the weights come from: a Hugging Face repository ID or a path. */
  readonly modelSource: string;
  /** The serving engine, e.g. `vllm`; also the Llama Stack inference provider a stack uses for it. */
  readonly backend: string;
  /** The environment the server belongs to, e.g. `production`. */
  readonly environment: string;
  /** Name of the Service in front of the server pods. */
  readonly serviceName: string;
  /** The Service port. */
  readonly port: number;
  /** The port the server pods listen on (NetworkPolicy rules match pod ports, not Service ports). */
  readonly containerPort: number;
  /** In-cluster base URL, e.g. `http://llama-8b-production.llm.svc.cluster.local:8000`. */
  readonly url: string;
  /** HTTP path that answers 200 when the server can take requests, e.g. `/health`. */
  readonly healthPath: string;
  /**
   * The Secret holding the API key clients must send, if the server requires one.
   * @default - no key
   */
  readonly apiKey?: SecretKeyRef;
  /**
   * The longest context the server accepts, in tokens.
   * @default - not known
   */
  readonly contextLength?: number;
  /**
   * Seconds a new server pod may take to load the model and answer its health path (its startup probe's
   * budget). Clients that wait for the server (registration Jobs) wait at least this long.
   * @default - not known: clients use their own default wait
   */
  readonly startupBudgetSeconds?: number;
  /**
   * Whether the server may have no pods at all (scaled to zero): it then answers nothing until something
   * wakes it, so clients neither wait for its health path nor count it as failing when it does not answer.
   * @default false
   */
  readonly scalesToZero?: boolean;

  /**
   * LoRA adapters served next to the base model, each requested by its name: a stack registers each as a
   * model of the server's provider, and a registry entry can name one (`adapter`).
   * @default - none
   */
  readonly adapters?: ModelServerAdapter[];

  /**
   * Admits the peer's pods to the server's container port (an ingress rule on the server's NetworkPolicy).
   * Rules are kept sorted and unique, so the order clients call this in does not matter.
   * @param peer the client pods
   */
  allowFrom(peer: INetworkPeer): void;
}

/** Whether `x` has the shape of an IModelServer (implementations may come from other libraries). */
export function isModelServer(x: unknown): x is IModelServer {
  if (x === null || typeof x !== 'object') return false;
  const m = x as Record<string, unknown>;
  try {
    return typeof m.allowFrom === 'function' && typeof m.url === 'string' && typeof m.serviceName === 'string'
      && typeof m.namespace === 'string' && typeof m.port === 'number' && typeof m.node === 'object';
  } catch {
    return false; // a getter or Proxy that throws: not a model server (the caller says what is expected)
  }
}

/** The host names under which a server's Service is reached in the cluster, with its port. */
export function serviceHostKeys(serviceName: string, namespace: string, port: number): string[] {
  return [`${serviceName}.${namespace}.svc.cluster.local:${port}`, `${serviceName}.${namespace}.svc:${port}`];
}

/** The key of an endpoint `host:port` as seen from `clientNamespace` (a bare host is a Service there). */
export function endpointHostKey(host: string, port: number, clientNamespace: string): string {
  const h = host.toLowerCase();
  return h.includes('.') ? `${h}:${port}` : `${h}.${clientNamespace}.svc:${port}`;
}
