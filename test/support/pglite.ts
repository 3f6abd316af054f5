/**
 * PGlite (PostgreSQL in WebAssembly) for jest: the database runs in a worker thread, because PGlite loads
 * parts of itself with dynamic import(), which jest's module sandbox refuses without
 * --experimental-vm-modules. The proxy has PGlite's (and node-postgres') `query(text, values)` shape.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';

export interface SqlError extends Error {
  code?: string;
  detail?: string;
  hint?: string;
}

export class PgliteProxy {
  /** Starts a fresh in-memory database (a few seconds the first time). */
  public static async start(): Promise<PgliteProxy> {
    const proxy = new PgliteProxy(new Worker(path.join(__dirname, 'pglite-worker.mjs')));
    await proxy.query('SELECT 1');
    return proxy;
  }

  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, (payload: string) => void>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: any) => {
      if (msg.notify !== undefined) {
        this.listeners.get(msg.notify)?.(msg.payload);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) {
        const err: SqlError = new Error(msg.error.message);
        Object.assign(err, { code: msg.error.code, detail: msg.error.detail, hint: msg.error.hint });
        p.reject(err);
      } else {
        p.resolve(msg.result);
      }
    });
    worker.on('error', (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  public query(text: string, values: unknown[] = []): Promise<{ rows: any[]; affectedRows?: number }> {
    return this.send({ op: 'query', text, params: values });
  }

  /** Runs one or more statements without parameters (simple query protocol). */
  public async exec(text: string): Promise<void> {
    await this.send({ op: 'exec', text });
  }

  /** LISTEN on a channel; returns the function that stops listening. */
  public async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    this.listeners.set(channel, onPayload);
    await this.send({ op: 'listen', channel });
    return async () => {
      await this.send({ op: 'unlisten', channel });
      this.listeners.delete(channel);
    };
  }

  public async close(): Promise<void> {
    await this.send({ op: 'close' });
    await this.worker.terminate();
  }

  private send(msg: Record<string, unknown>): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }
}
