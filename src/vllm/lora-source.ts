/** Options of `LoraSource.huggingFace`. */
export interface LoraHuggingFaceOptions {
  /**
   * The commit (40 hexadecimal characters) to pin the adapter to. vLLM downloads an adapter without a
   * revision, so a pinned one is downloaded by an init container (`lora-download`) into the cache volume
   * and served from its snapshot directory; a branch or tag cannot be pinned that way (the snapshot
   * directory is named by commit) and is refused.
   * @default - the repository's default branch, downloaded by vLLM at start
   */
  readonly revision?: string;
}

/** Where a LoRA adapter's weights come from: a Hugging Face repository, or a directory on the cache volume. */
export class LoraSource {
  /**
   * A Hugging Face repository (e.g. `org/llama-3.1-8b-sql-lora`), downloaded at start into the cache
   * volume (`HF_HOME`). Not for offline models.
   * @param repository the repository ID
   */
  public static huggingFace(repository: string, options?: LoraHuggingFaceOptions): LoraSource {
    return new LoraSource(repository, options?.revision, undefined);
  }

  /**
   * A directory on the model's cache volume (under `/cache/`) holding the adapter (`adapter_config.json`
   * and its weights), e.g. staged there by a Job; needs a persistent `cache`.
   * @param path an absolute path under /cache/
   */
  public static cachePath(path: string): LoraSource {
    return new LoraSource(undefined, undefined, path);
  }

  /** The Hugging Face repository ID; undefined for a cache path. */
  public readonly repository?: string;
  /** The pinned commit of the repository; undefined when none. */
  public readonly revision?: string;
  /** The path on the cache volume; undefined for a Hugging Face repository. */
  public readonly path?: string;

  private constructor(repository: string | undefined, revision: string | undefined, path: string | undefined) {
    this.repository = repository;
    this.revision = revision;
    this.path = path;
  }
}

/** A LoRA adapter served on top of a `VllmModel`'s base model. */
export interface VllmLoraAdapter {
  /**
   * The model name clients put in requests to use the adapter (and its model ID on a Llama Stack and in
   * a model registry): at most 256 letters, digits and `. _ - : @ + /`, starting with a letter or digit.
   */
  readonly name: string;
  /** Where the adapter comes from: `LoraSource.huggingFace(...)` or `LoraSource.cachePath(...)`. */
  readonly source: LoraSource;
  /**
   * The adapter's rank (`r` in its `adapter_config.json`); sizes `--max-lora-rank`. vLLM refuses to load an
   * adapter whose rank is above `--max-lora-rank`.
   * @default - not known: `--max-lora-rank` is vLLM's (16) unless `maxLoraRank` is given
   */
  readonly rank?: number;
}
