import { App, Testing } from 'cdk8s';

/** A test app with context values (cdk8s's App takes none in its props; set them before any child). */
export function withContext(context: Record<string, unknown>): App {
  const app = Testing.app();
  for (const [key, value] of Object.entries(context)) app.node.setContext(key, value);
  return app;
}
