import * as fs from 'fs';
import * as path from 'path';

/** Where the runtime scripts live: `data/external-provider/` at the package root (beside `src/` and `lib/`). */
export const SCRIPTS_DIR = path.join(__dirname, '..', '..', 'data', 'external-provider');
/** Run with sh in each provider image: checks the image contract, copies /lls-provider into the shared volume. */
export const COPY_SCRIPT = 'copy-provider.sh';
/** Run with the distribution image's python3: validates, installs, imports, merges. */
export const INSTALL_SCRIPT = 'install-providers.py';
/** The install plan (providers, their sections and configs) the construct generates. */
export const PLAN_FILE = 'providers.json';

const cache = new Map<string, string>();

/** The exact text of a shipped script, as the scripts ConfigMap carries it. */
export function scriptText(name: typeof COPY_SCRIPT | typeof INSTALL_SCRIPT): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(SCRIPTS_DIR, name), 'utf8');
    cache.set(name, text);
  }
  return text;
}
