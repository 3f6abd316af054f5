import { ProviderSpec } from '../config/types';
import { IModelServer } from '../core/model-server';

/** Options of `InferenceProvider.fromModelServer` (and `VllmModel.asInferenceProvider`). */
export interface InferenceProviderOptions {
  /**
   * The provider ID in the stack's config; clients address the model as `<id>/<served model name>`.
   * @default - the server's construct id
   */
  readonly id?: string;
  /**
   * The Llama Stack inference provider that talks to the server.
   * @default - the server's backend (`vllm` for a VllmModel)
   */
  readonly provider?: string;
  /**
   * What the model is: `llm`, `embedding` or `rerank`. Remote providers list a server's models as `llm`, so
   * an embedding model must be registered as one to be usable for vector stores.
   * @default 'llm'
   */
  readonly modelType?: string;
  /**
   * The embedding dimension, required for `embedding` models.
   * @default - none
   */
  readonly embeddingDimension?: number;
}

/** Inference providers built from model servers. */
export class InferenceProvider {
  /**
   * A Llama Stack inference provider for a model server of this app: the server's OpenAI-compatible API
   * (`<url>/v1`), its API key Secret, its model registered under the served name (and each of its LoRA
   * `adapters` under the adapter's name), and the server object
   * itself, so the stack's NetworkPolicy egress and the server's ingress follow.
   * @param server any IModelServer (a VllmModel, or your own implementation)
   */
  public static fromModelServer(server: IModelServer, options?: InferenceProviderOptions): ProviderSpec {
    return {
      provider: options?.provider ?? server.backend,
      id: options?.id ?? server.node.id,
      endpoint: `${server.url}/v1`,
      apiKey: server.apiKey,
      // The base model, then each LoRA adapter under its own name (vLLM serves an adapter as a model).
      models: [server.servedModelName, ...(server.adapters ?? []).map((a) => a.name)].map((name) => ({
        name,
        providerModelId: name,
        modelType: options?.modelType,
        embeddingDimension: options?.embeddingDimension,
        contextLength: options?.modelType === 'embedding' ? undefined : server.contextLength,
      })),
      server,
    };
  }

  private constructor() {}
}
