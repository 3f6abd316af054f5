#!/usr/bin/env node
/*
 * A fake kubectl for the doctor's tests: records its argv (one JSON line per call in $FAKE_KUBECTL_LOG)
 * and serves the live state of $FAKE_KUBECTL_STATE ({ items, probes, unknownResources }) for the calls the
 * doctor makes: get <resource> <names...> --namespace NS [--ignore-not-found] --output json,
 * get pods,jobs.v1.batch --namespace NS --selector k=v --output json, and get --raw <service proxy path>.
 * Anything else fails, as a real cluster would refuse it.
 */
const fs = require('fs');

const argv = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_KUBECTL_LOG, `${JSON.stringify(argv)}\n`);
const state = JSON.parse(fs.readFileSync(process.env.FAKE_KUBECTL_STATE, 'utf8'));
const fail = (msg) => { process.stderr.write(`${msg}\n`); process.exit(1); };

if (state.unreachable) {
  fail('E1206 06:03:19.844703   25241 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list"\n'
    + 'The connection to the server localhost:8080 was refused - did you specify the right host or port?');
}
let args = argv;
while (args[0] === '--context' || args[0] === '--kubeconfig') args = args.slice(2);
if (args[0] !== 'get') fail(`fake kubectl: only get is served, not ${args[0]}`);
if (args[1] === '--raw') {
  const m = /^\/api\/v1\/namespaces\/[^/]+\/services\/(https?:[^/]+)\/proxy(\/.*)$/.exec(args[2] || '');
  if (!m) fail(`fake kubectl: bad raw path ${args[2]}`);
  const answer = (state.probes || {})[`${m[1]}${m[2]}`];
  if (answer === undefined) fail('Error from server (ServiceUnavailable): the server is currently unable to handle the request');
  process.stdout.write(typeof answer === 'string' ? answer : JSON.stringify(answer));
  process.exit(0);
}
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
const namespace = flag('--namespace');
const selector = flag('--selector');
if (flag('--output') !== 'json') fail('fake kubectl: --output json expected');
const positional = [];
for (let i = 1; i < args.length; i++) {
  if (args[i].startsWith('--')) { if (!['--ignore-not-found'].includes(args[i])) i++; continue; }
  positional.push(args[i]);
}
const [resources, ...names] = positional;
const kinds = resources.split(',').map((r) => r.split('.')[0]);
for (const r of resources.split(',')) {
  if ((state.unknownResources || []).includes(r)) fail(`error: the server doesn't have a resource type "${r.split('.')[0]}"`);
}
const kindOf = { pods: 'pod', jobs: 'job' };
let items = state.items.filter((o) => kinds.map((k) => kindOf[k] || k).includes(o.kind.toLowerCase()) && o.metadata.namespace === namespace);
if (selector) {
  const [k, v] = selector.split('=');
  items = items.filter((o) => (o.metadata.labels || {})[k] === v);
}
if (names.length > 0) {
  items = items.filter((o) => names.includes(o.metadata.name));
  if (items.length < names.length && !args.includes('--ignore-not-found')) fail('Error from server (NotFound)');
}
if (names.length === 1) {
  if (items.length === 1) process.stdout.write(JSON.stringify(items[0]));
  process.exit(0);
}
process.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }));
