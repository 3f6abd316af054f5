import { IConstruct } from 'constructs';
import { IModelServer } from './model-server';

/**
 * Model servers of an app by in-cluster host name, so a client that only knows a URL (a LlamaStack
 * provider endpoint) can find the server behind it and be admitted by its NetworkPolicy.
 */
const directories = new WeakMap<IConstruct, Map<string, IModelServer>>();

function directory(scope: IConstruct): Map<string, IModelServer> {
  const root = scope.node.root;
  let dir = directories.get(root);
  if (!dir) {
    dir = new Map();
    directories.set(root, dir);
  }
  return dir;
}

/** The host forms that reach a Service: `svc.ns.svc.cluster.local` and `svc.ns.svc`. */
function hostKeys(serviceName: string, namespace: string, port: number): string[] {
  return [`${serviceName}.${namespace}.svc.cluster.local:${port}`, `${serviceName}.${namespace}.svc:${port}`];
}

export function registerModelServer(server: IModelServer): void {
  const dir = directory(server);
  for (const key of hostKeys(server.serviceName, server.namespace, server.port)) dir.set(key, server);
}

/**
 * The model server a client in `clientNamespace` reaches at `host:port`, if it is one of this app's.
 * A bare Service name resolves in the client's own namespace.
 */
export function findModelServer(scope: IConstruct, host: string, port: number, clientNamespace: string | undefined): IModelServer | undefined {
  const h = host.toLowerCase();
  const key = h.includes('.') ? `${h}:${port}` : `${h}.${clientNamespace ?? 'default'}.svc:${port}`;
  return directory(scope).get(key);
}
