/**
 * State kept in a pod must not be served by several pods (src/config/runtime.ts podState, checked in
 * src/llama-stack/plan.ts). Upstream (Llama Stack 0.7.1):
 * - core/storage/sqlstore/sqlalchemy_sqlstore.py and kvstore/sqlite: `sql_sqlite`/`kv_sqlite` open the file at
 *   db_path, a path in the pod (the starter's `${env.SQLITE_STORE_DIR:=~/.llama/distributions/starter}`);
 * - providers/inline/vector_io/faiss/faiss.py: FaissVectorIOAdapter keeps `self.cache` of the indexes it has
 *   loaded (initialize() and _get_and_cache_vector_store_index), never refreshed from the kvstore;
 * - providers/inline/vector_io/sqlite_vec: the index is the SQLite file at db_path;
 * - providers/inline/files/localfs: uploads are written to storage_dir.
 * SQLite's own documentation: its locking does not work on network file systems (NFS), hence no SQLite on
 * a ReadWriteMany volume that two pods open.
 */
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { LlamaStack, LlamaStackProps, ValidationError } from '../../src';
import { multiPod } from '../support/stacks';

function issues(props: LlamaStackProps): string[] {
  try {
    new LlamaStack(new Chart(Testing.app(), 'c', { namespace: 'llm' }), 'stack', props);
  } catch (err) {
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

const starter = { name: 'starter' };

test('the starter with two replicas: every piece of per-pod state, each with its fix', () => {
  expect(issues({ distribution: starter, workload: { replicas: 2 } })).toEqual([
    "workload.replicas: replicas is 2, but the kv_sqlite backend 'kv_default' (the resource registry and key-value stores) (storage.backends.kv_default) is kept in each pod: every pod would answer from its own copy",
    "workload.replicas: replicas is 2, but the sql_sqlite backend 'sql_default' (conversations, responses and file metadata) (storage.backends.sql_default) is kept in each pod: every pod would answer from its own copy",
    "workload.replicas: replicas is 2, but the vector store inline::faiss, which caches each index in its process (chunks inserted through one process are not seen by the others until they restart) (providers.vector_io[0] 'faiss') is kept in each pod: every pod would answer from its own copy",
    "workload.replicas: replicas is 2, but the vector store inline::sqlite-vec, whose index is a file in the pod (providers.vector_io[1] 'sqlite-vec') is kept in each pod: every pod would answer from its own copy",
    "workload.replicas: replicas is 2, but the files provider inline::localfs, which stores uploads in a local directory (providers.files[0] 'builtin-files') is kept in each pod: every pod would answer from its own copy",
  ]);
});

test('autoscaling counts its maximum; with everything outside the pod it passes', () => {
  expect(issues({ distribution: starter, workload: { autoscaling: { maxReplicas: 3 } } })[0]).toMatch(/^workload\.autoscaling\.maxReplicas: autoscaling allows up to 3 pods, but /);
  expect(issues({ ...multiPod, workload: { autoscaling: { maxReplicas: 3 } } })).toEqual([]);
  expect(issues({ ...multiPod, workload: { replicas: 5, workers: 4 } })).toEqual([]);
});

test('one pod: SQLite on its own volume is fine, on a ReadWriteMany volume a rolling update opens it twice', () => {
  expect(issues({ distribution: starter })).toEqual([]);
  expect(issues({ distribution: starter, workload: { storage: {} } })).toEqual([]); // ReadWriteOnce: Recreate
  expect(issues({ distribution: starter, workload: { storage: { accessMode: 'ReadWriteMany' } } })).toEqual([
    expect.stringMatching(/^workload\.storage\.accessMode: the kv_sqlite backend 'kv_default' .* would be opened by several pods on the ReadWriteMany volume \(a rolling update starts a second pod\); SQLite's locks do not work on network file systems$/),
    expect.stringMatching(/^workload\.storage\.accessMode: the sql_sqlite backend/),
    expect.stringMatching(/^workload\.storage\.accessMode: the vector store inline::sqlite-vec/),
  ]);
});

test('local files are fine on a shared ReadWriteMany volume; faiss is refused with several workers', () => {
  const shared = { ...multiPod, providers: { vectorIo: multiPod.providers!.vectorIo! }, disabled: ['vectorIo/faiss', 'vectorIo/sqlite-vec'] };
  expect(issues({ ...shared, workload: { replicas: 3, storage: { accessMode: 'ReadWriteMany' } } })).toEqual([]);
  expect(issues({ ...shared, workload: { replicas: 3 } })).toEqual([expect.stringMatching(/files provider inline::localfs/)]);
  expect(issues({ distribution: starter, workload: { workers: 2 } })).toEqual([
    expect.stringMatching(/^workload\.workers: workers is 2, but the vector store inline::faiss, .* is kept in each worker process/),
  ]);
});

test('a provider switched off by its variable holds no state; switched on, it does', () => {
  // starter's milvus is `${env.MILVUS_URL:+milvus}`: off unless MILVUS_URL is set.
  const props = { ...multiPod, workload: { replicas: 2 } };
  expect(issues(props)).toEqual([]);
  expect(issues({ ...props, env: { MILVUS_URL: 'x' } })).toEqual([expect.stringMatching(/inline::milvus, whose index is a file in the pod \(providers\.vector_io\[\d\] 'milvus'\)/)]);
});

describe('disabled: single providers of the base config', () => {
  const config = (props: LlamaStackProps) => yaml.load(new LlamaStack(new Chart(Testing.app(), 'c', { namespace: 'llm' }), 's', props).configYaml!) as any;

  test('removes the provider, the resources on it and a vector_stores default naming it', () => {
    const c = config({ distribution: starter, disabled: ['vectorIo/faiss', 'safety/llama-guard'] });
    expect(c.providers.vector_io.map((p: any) => p.provider_id)).not.toContain('faiss');
    expect(c.providers.vector_io.map((p: any) => p.provider_id)).toContain('sqlite-vec');
    expect(c.vector_stores.default_provider_id).toBeUndefined();
    expect(c.registered_resources.shields.map((s: any) => s.shield_id)).toEqual(['code-scanner']);
    expect(c.apis).toContain('vector_io');
  });

  test('unknown providers and malformed entries are errors that list what exists', () => {
    expect(issues({ distribution: starter, disabled: ['vectorIo/nope', 'vectorIo/', 'nope/x'] })).toEqual([
      expect.stringMatching(/^disabled\[0\]: the base config has no vector_io provider 'nope'$/),
      "disabled[1]: 'vectorIo/' is not <api>/<provider id>",
      "disabled[2]: 'nope/x' is not <api>/<provider id>",
    ]);
  });
});
