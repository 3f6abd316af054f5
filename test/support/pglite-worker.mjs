// Hosts one PGlite database in a worker thread. Jest runs tests in a vm context without dynamic import,
// which PGlite needs; a worker is a plain Node context. Messages: { id, op, ... } -> { id, result | error }.
import { parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const db = new PGlite();
const unlisteners = new Map();

parentPort.on('message', async (msg) => {
  try {
    let result;
    if (msg.op === 'query') {
      const r = await db.query(msg.text, msg.params ?? []);
      result = { rows: r.rows, affectedRows: r.affectedRows };
    } else if (msg.op === 'exec') {
      await db.exec(msg.text);
      result = null;
    } else if (msg.op === 'listen') {
      unlisteners.set(msg.channel, await db.listen(msg.channel, (payload) => parentPort.postMessage({ notify: msg.channel, payload })));
      result = null;
    } else if (msg.op === 'unlisten') {
      await unlisteners.get(msg.channel)?.();
      unlisteners.delete(msg.channel);
      result = null;
    } else if (msg.op === 'close') {
      await db.close();
      result = null;
    } else {
      throw new Error(`unknown op ${msg.op}`);
    }
    parentPort.postMessage({ id: msg.id, result });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: { message: err.message, code: err.code, detail: err.detail, hint: err.hint } });
  }
});
