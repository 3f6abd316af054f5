import { IConstruct } from 'constructs';

/**
 * A model server other constructs can send requests to (implemented by `VllmModel`).
 *
 * Constructs that call a model server take this interface, read where it listens from it, and call
 * `allowFrom` so the server's NetworkPolicy admits exactly their pods: wiring follows composition.
 */
export interface IModelServer extends IConstruct {
  /** The model name clients put in requests (vLLM's `--served-model-name`). */
  readonly servedModelName: string;
  /** Where the weights come from: a Hugging Face repository ID or a path. */
  readonly modelSource: string;
  /** The serving engine, e.g. `vllm`. */
  readonly backend: string;
  /** The environment the server belongs to, e.g. `production`. */
  readonly environment: string;
  /** The namespace the server runs in. */
  readonly namespace: string;
  /** Name of the Service in front of the server pods. */
  readonly serviceName: string;
  /** The Service port. */
  readonly port: number;
  /** In-cluster base URL, e.g. `http://llama-8b-production.llm.svc.cluster.local:8000`. */
  readonly url: string;
  /** HTTP path that answers 200 when the server can take requests, e.g. `/health`. */
  readonly healthPath: string;
  /** Labels that select the server pods (for NetworkPolicy egress rules of clients). */
  readonly podSelectorLabels: { [key: string]: string };

  /**
   * Admits pods with these labels to the server port (an ingress rule on the server's NetworkPolicy).
   * @param podLabels labels of the client pods
   * @param namespace namespace of the client pods
   * @default - the server's own namespace
   */
  allowFrom(podLabels: { [key: string]: string }, namespace?: string): void;
}
