/**
 * The env oracle (env-oracle.ts) against Llama Stack 0.7.1's real replace_env_vars and
 * redact_sensitive_fields. Not part of `npm test`: it needs the upstream source, which CI cannot fetch.
 * Run `npm run test:upstream` with the source exported to LLAMA_STACK_SRC (default /tmp/ls/src); without
 * it the suite fails rather than skips.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { revealed, substituted, upstreamRedacts } from './env-oracle';

const UPSTREAM_SRC = process.env.LLAMA_STACK_SRC ?? '/tmp/ls/src';
if (!fs.existsSync(path.join(UPSTREAM_SRC, 'llama_stack', 'core', 'stack.py'))) {
  throw new Error(`Llama Stack 0.7.1's source is not at ${UPSTREAM_SRC}: export it there or set LLAMA_STACK_SRC`);
}

test('upstream agreement: the oracle matches 0.7.1\'s replace_env_vars and redact_sensitive_fields', () => {
  const corpus = [
    '${env.LLSD_VLLM_API_TOKEN}', 'a ${env.LLSD_VLLM_API_TOKEN} b', '${env.lower}', '${env.A:=d}', '${env.A:+v}', '${env.A:=}', '${env.A:+}',
    '${env.NOPE:=${env.LLSD_X}}', '${env.A}${env.B:=x}', '$${env.A}', '${env.A', '${env.A:-d}', '${env.A:=d:+e}', '${ENV.A}', '${env.}', '${env.A-B}',
    ...fc.sample(fc.array(fc.constantFrom('${env.', 'A', 'B_1', 'x', ':=', ':+', ':', '}', '{', '$', ' '), { maxLength: 10 }).map((a) => a.join('')), { numRuns: 400, seed: 7 }),
  ];
  const keys = ['api_key', 'API_TOKEN', 'auth_credential', 'Authorization', 'X-Auth-Token', 'x-api-key', 'max_tokens', 'chunk_size_tokens_x', 'password',
    'aws_access_key_id', 'aws_secret_access_key', 'base_url', 'secretRefs', 'token', 'user'];
  const trees = [{ providers: { inference: [{ config: { api_token: 's', network: { headers: { Authorization: 'Bearer s' } }, auth_credential: 's' } }] } }];
  const run = spawnSync('python3', [path.join(__dirname, 'upstream_env.py'), UPSTREAM_SRC], { input: JSON.stringify({ strings: corpus, keys, trees }), encoding: 'utf8' });
  expect(run.stderr).toBe('');
  const out = JSON.parse(run.stdout) as { strings: Array<{ type: string; text: string }>; keys: boolean[]; trees: unknown[] };
  corpus.forEach((s, i) => {
    const got = out.strings[i];
    const changed = got.type !== 'str' || got.text !== s;
    expect([s, changed]).toEqual([s, substituted(s).length > 0]);
    const shown = [...got.text.matchAll(/<<([A-Za-z0-9_]+)>>/g)].map((m) => m[1]);
    expect([s, [...new Set(shown)].sort()]).toEqual([s, revealed(s)]);
  });
  expect(out.keys).toEqual(keys.map(upstreamRedacts));
  expect(out.trees).toEqual([{ providers: { inference: [{ config: { api_token: '********', network: { headers: { Authorization: 'Bearer s' } }, auth_credential: 's' } }] } }]);
});
