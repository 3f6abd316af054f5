#!/usr/bin/env node
// Packs the npm tarball into the directory given (default dist/js) from a staging copy of exactly what
// `npm pack` would take, with one change to package.json: no `repository`. jsii will not build without a
// repository (jsii/lib/project-info.js requires `repository.url`), and the project has none yet, so the
// build keeps a placeholder that must not reach the npm page as a link.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = process.cwd();
const dest = path.resolve(root, process.argv[2] || 'dist/js');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } });

const files = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root))[0].files.map((f) => f.path);
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
try {
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(stage, file));
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  delete pkg.repository;
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  fs.mkdirSync(dest, { recursive: true });
  const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dest], stage))[0];
  // The bundled dependencies are selected by npm's rules for each of them (which may drop a file such as a
  // CHANGELOG.md their own `files` does not list); the package's own files must be exactly the same.
  const own = (list) => list.filter((f) => !f.startsWith('node_modules/')).sort();
  const got = own(packed.files.map((f) => f.path));
  const want = own(files);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`the staged tarball differs from what npm pack selects:\n  staged: ${got.join(' ')}\n  selected: ${want.join(' ')}`);
  }
  process.stdout.write(`${path.join(dest, packed.filename)}\n`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
