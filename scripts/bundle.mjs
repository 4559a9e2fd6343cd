// Build every action into dist/<name>/ with ncc (from tsc's output), or with
// --check, build into a temporary folder and fail when dist/ differs.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  rmSync,
  writeFileSync,
  readdirSync,
  readFileSync,
  mkdtempSync,
  existsSync,
  statSync,
} from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import ncc from '@vercel/ncc';
import { root, actionNames } from './lib.mjs';
import { HASH_FILE, sourcesHash } from './sources.mjs';

const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const names = only.length ? only : actionNames();
const build = join(root, '.build');
const out = check ? mkdtempSync(join(tmpdir(), 'dist-check-')) : join(root, 'dist');

rmSync(build, { recursive: true, force: true });
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    { stdio: 'inherit', cwd: root },
  );
} catch {
  console.error('tsc failed: fix the type errors above, then bundle again.');
  process.exit(1);
}

// @actions/core loads its OIDC client (@actions/http-client, tunnel, undici) and its platform details
// (@actions/exec) at start-up, for features no action uses: the bundles get a copy of it, found before the
// real one, with scripts/shims/actions-core/ in place of those two modules. @actions/cache keeps the real one.
const core = join(build, 'node_modules/@actions/core');
cpSync(join(root, 'node_modules/@actions/core'), core, { recursive: true });
cpSync(join(root, 'scripts/shims/actions-core'), join(core, 'lib'), { recursive: true });

const started = Date.now();
await Promise.all(
  names.map(async (name) => {
    const entry = join(build, 'actions', name, 'src', 'main.js');
    // Not minified: dist/ is what users run with their secrets, so it stays readable, and minifying measured no
    // faster start (V8 compiles functions lazily). The source maps are not registered at start-up, which would
    // cost time on every run: NODE_OPTIONS=--enable-source-maps gives stack traces in the TypeScript sources.
    const options = {
      minify: false,
      sourceMap: true,
      sourceMapRegister: false,
      license: 'licenses.txt',
      target: 'es2022',
    };
    const { code, map, assets } = await ncc(entry, { ...options, quiet: true, cache: false });
    const dir = join(out, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), code);
    writeFileSync(join(dir, HASH_FILE), `${sourcesHash(name)}\n`);
    writeFileSync(join(dir, 'index.js.map'), map);
    for (const [file, asset] of Object.entries(assets)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), asset.source);
    }
  }),
);
rmSync(build, { recursive: true, force: true });

if (!check) {
  console.log(
    `bundled ${names.length} action(s) into dist/ in ${((Date.now() - started) / 1000).toFixed(1)}s: ${names.join(', ')}`,
  );
  process.exit(0);
}

const files = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .filter((f) => statSync(join(dir, f)).isFile())
        .map(String)
        .sort()
    : [];
const stale = [];
for (const name of names) {
  const fresh = files(join(out, name));
  const committed = files(join(root, 'dist', name));
  for (const f of new Set([...fresh, ...committed])) {
    const a = join(out, name, f);
    const b = join(root, 'dist', name, f);
    if (!existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))) stale.push(relative(root, b));
  }
}
const orphans = files(join(root, 'dist'))
  .map((f) => f.split('/')[0])
  .filter((d) => !actionNames().includes(d));
rmSync(out, { recursive: true, force: true });
if (stale.length || orphans.length) {
  console.error(
    `dist/ is stale: ${[...stale, ...new Set(orphans)].join(', ')}\nRun \`npm run bundle\` and commit dist/.`,
  );
  process.exit(1);
}
console.log(`dist/ is up to date (${names.length} actions)`);
