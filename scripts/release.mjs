// Maintainers' release preparation, and the helpers release.yml uses.
//
//   npm run release -- 1.4.0        refuse a dirty tree, a stale dist/ or docs, a
//                                   version not above the last one; then bump
//                                   package.json, add a CHANGELOG.md entry from the
//                                   commits since the last tag, point the self-references of
//                                   the workflows and composite actions at the new tag, commit,
//                                   tag vX.Y.Z
//   release.mjs --notes vX.Y.Z      release notes: commits from the previous version to vX.Y.Z
//   release.mjs --major-target vX.Y.Z < released
//                                   `v1 v1.4.2`: the major tag and the highest released
//                                   stable version of that major (released tags on stdin,
//                                   one per line), or nothing for a prerelease
//   release.mjs --check-tag vX.Y.Z  fail unless the tag names package.json's version
//   release.mjs --check-on-main vX.Y.Z [ref]
//                                   fail unless the tag's commit is on `ref` (origin/main)
//
// Works on the git repository of the current directory (npm runs scripts from
// the package root), so it can be tested against a temporary repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const cwd = process.cwd();

class ReleaseError extends Error {}

const git = (...args) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

function parseVersion(text) {
  const m = SEMVER.exec(String(text).trim());
  if (!m) return undefined;
  return {
    major: +m[1],
    minor: +m[2],
    patch: +m[3],
    pre: m[4] ? m[4].split('.') : [],
    text: String(text).trim().replace(/^v/, ''),
  };
}

/** Semantic-version order: numbers, then a prerelease sorts before its release. */
function compareVersions(a, b) {
  for (const k of ['major', 'minor', 'patch']) if (a[k] !== b[k]) return a[k] - b[k];
  if (!a.pre.length || !b.pre.length) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && +x !== +y) return +x - +y;
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Version tags (`vX.Y.Z[-pre]`, not the moving `v1`) reachable from `rev`, highest first. */
function versionTags(rev) {
  const out = git('tag', '--list', 'v*.*.*', '--merged', rev);
  return out
    .split('\n')
    .filter(Boolean)
    .map((tag) => ({ tag, v: parseVersion(tag) }))
    .filter((t) => t.v)
    .sort((a, b) => compareVersions(b.v, a.v));
}

/** The release before `version` on the history of `rev`: a stable release compares with the previous stable one. */
function previousTag(version, rev) {
  return versionTags(rev).find((t) => compareVersions(t.v, version) < 0 && (version.pre.length || !t.v.pre.length))
    ?.tag;
}

function commitsSince(from, to) {
  const range = from ? `${from}..${to}` : to;
  const out = git('log', '--no-merges', '--format=%h%x09%s', range);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, ...subject] = line.split('\t');
      return { sha, subject: subject.join('\t') };
    });
}

const GROUPS = [
  ['Features', /^feat(\(.+?\))?!?:\s*/i],
  ['Fixes', /^fix(\(.+?\))?!?:\s*/i],
];

/** Markdown list of the commits, grouped by Conventional Commit type when there is one. */
function formatNotes(commits, compareUrl) {
  const groups = new Map();
  for (const c of commits) {
    const [title, re] = GROUPS.find(([, re]) => re.test(c.subject)) ?? ['Changes', /^/];
    const list = groups.get(title) ?? [];
    list.push(`- ${c.subject.replace(re, '')} (${c.sha})`);
    groups.set(title, list);
  }
  const order = [...GROUPS.map(([t]) => t), 'Changes'].filter((t) => groups.has(t));
  const sections = order.map((t) =>
    order.length > 1 ? `### ${t}\n\n${groups.get(t).join('\n')}` : groups.get(t).join('\n'),
  );
  if (compareUrl) sections.push(`Full list: ${compareUrl}`);
  return sections.join('\n\n');
}

function readJson(file) {
  return JSON.parse(readFileSync(join(cwd, file), 'utf8'));
}

/** Self-references in workflows (`<owner>/<package name>/<path>@<ref>`) pointed at `tag`. */
function updateSelfRefs(text, repoName, tag) {
  const re = new RegExp(
    `(uses:\\s*['"]?[\\w.-]+/${repoName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^@\\s'"]+@)[^\\s#'"]+`,
    'g',
  );
  return text.replace(re, `$1${tag}`);
}

function runScript(name) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', '--silent', name], { cwd, encoding: 'utf8' });
  if (r.error) throw new ReleaseError(`could not run npm run ${name}: ${r.error.message}`);
  return r;
}

function prepare(arg) {
  const version = parseVersion(arg ?? '');
  if (!version)
    throw new ReleaseError(
      `usage: npm run release -- X.Y.Z (a semantic version such as 1.4.0 or 2.0.0-rc.1; got ${JSON.stringify(arg ?? '')})`,
    );
  const tag = `v${version.text}`;

  const dirty = git('status', '--porcelain');
  if (dirty) throw new ReleaseError(`the working tree is not clean; commit or stash first:\n${dirty}`);

  const pkg = readJson('package.json');
  const current = parseVersion(pkg.version ?? '0.0.0');
  const latest = versionTags('HEAD')[0];
  if (git('tag', '--list', tag)) throw new ReleaseError(`tag ${tag} already exists`);
  for (const [label, v] of [
    [`package.json version ${pkg.version}`, current],
    [`tag ${latest?.tag}`, latest?.v],
  ]) {
    if (v && compareVersions(version, v) <= 0) throw new ReleaseError(`version ${version.text} is not above ${label}`);
  }

  if (!pkg.scripts?.['bundle:check'])
    throw new ReleaseError('package.json has no bundle:check script: cannot verify dist/');
  for (const script of ['bundle:check', 'docs:check'].filter((s) => pkg.scripts?.[s])) {
    const r = runScript(script);
    if (r.status !== 0)
      throw new ReleaseError(
        `npm run ${script} failed (stale build output?); rebuild, commit, then release:\n${(r.stderr || r.stdout).trim()}`,
      );
  }

  const from = previousTag(version, 'HEAD');
  const commits = commitsSince(from, 'HEAD');
  if (!commits.length) throw new ReleaseError(`no commits since ${from}: nothing to release`);

  const changed = ['package.json'];
  writeFileSync(
    join(cwd, 'package.json'),
    readFileSync(join(cwd, 'package.json'), 'utf8').replace(/("version"\s*:\s*)"[^"]*"/, `$1"${version.text}"`),
  );
  if (existsSync(join(cwd, 'package-lock.json'))) {
    const lock = readJson('package-lock.json');
    lock.version = version.text;
    if (lock.packages?.['']) lock.packages[''].version = version.text;
    writeFileSync(join(cwd, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    changed.push('package-lock.json');
  }

  const date = new Date().toISOString().slice(0, 10);
  const entry = `## ${tag} - ${date}\n\n${formatNotes(commits)}\n`;
  const changelogPath = join(cwd, 'CHANGELOG.md');
  const header = '# Changelog\n\nEvery release of this project, newest first (written by `npm run release`).\n';
  const old = existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : header;
  const at = old.search(/^## /m);
  writeFileSync(
    changelogPath,
    at < 0 ? `${old.trimEnd()}\n\n${entry}` : `${old.slice(0, at)}${entry}\n${old.slice(at)}`,
  );
  changed.push('CHANGELOG.md');

  // The workflows, and the composite actions, which reach the suite's JavaScript actions by the same pinned refs.
  const list = (dir) => (existsSync(join(cwd, dir)) ? readdirSync(join(cwd, dir)).map((f) => join(dir, f)) : []);
  const workflowFiles = list(join('.github', 'workflows')).filter((f) => /\.ya?ml$/.test(f));
  const actionFiles = list('actions')
    .map((dir) => join(dir, 'action.yml'))
    .filter((f) => existsSync(join(cwd, f)));
  for (const file of [...workflowFiles, ...actionFiles.sort()]) {
    const text = readFileSync(join(cwd, file), 'utf8');
    const updated = updateSelfRefs(text, pkg.name, tag);
    if (updated !== text) {
      writeFileSync(join(cwd, file), updated);
      changed.push(file);
    }
  }

  git('add', '--', ...changed);
  git('commit', '--quiet', '-m', `Release ${tag}`);
  git('tag', '-a', tag, '-m', `Release ${tag}`);
  console.log(`Prepared ${tag} (${commits.length} commit(s) since ${from ?? 'the beginning'}): ${changed.join(', ')}`);
  console.log(`Review with \`git show\`, then publish: git push origin HEAD ${tag}`);
}

function notes(tagArg) {
  const version = parseVersion(tagArg ?? '');
  if (!version) throw new ReleaseError(`--notes needs a version tag, got ${JSON.stringify(tagArg ?? '')}`);
  const tag = `v${version.text}`;
  const from = previousTag(version, `${tag}^{commit}`);
  const server = process.env.GITHUB_SERVER_URL;
  const repo = process.env.GITHUB_REPOSITORY;
  const compare = server && repo && from ? `${server}/${repo}/compare/${from}...${tag}` : undefined;
  console.log(formatNotes(commitsSince(from, tag), compare) || 'No changes.');
}

/**
 * Where the major tag of `tagArg` belongs: the highest stable version of that
 * major among the released tags (GitHub releases, read from `released`). Not
 * "this tag": runs of two tags pushed close together may finish in any order,
 * and each must leave the major tag on the highest, never move it back.
 */
function majorTarget(tagArg, released) {
  const version = parseVersion(tagArg ?? '');
  if (!version) throw new ReleaseError(`--major-target needs a version tag, got ${JSON.stringify(tagArg ?? '')}`);
  if (version.pre.length) return;
  const local = new Set(git('tag', '--list', `v${version.major}.*.*`).split('\n'));
  const newest = released
    .split('\n')
    .map((t) => t.trim())
    .filter((t) => local.has(t))
    .map((tag) => ({ tag, v: parseVersion(tag) }))
    .filter(({ v }) => v && !v.pre.length && v.major === version.major)
    .sort((a, b) => compareVersions(b.v, a.v))[0];
  if (newest) console.log(`v${version.major} ${newest.tag}`);
}

/** A release is cut from main only: a tag pushed on another branch (or a fork's commit) is not published. */
function checkOnMain(tagArg, ref = 'origin/main') {
  if (!parseVersion(tagArg ?? ''))
    throw new ReleaseError(`--check-on-main needs a version tag, got ${JSON.stringify(tagArg ?? '')}`);
  const commit = git('rev-parse', `${tagArg}^{commit}`);
  const onMain = spawnSync('git', ['merge-base', '--is-ancestor', commit, ref], { cwd, stdio: 'ignore' }).status === 0;
  if (!onMain)
    throw new ReleaseError(`tag ${tagArg} (${commit.slice(0, 12)}) is not on ${ref}: releases are made from main only`);
  console.log(`${tagArg} is on ${ref}`);
}

function checkTag(tagArg) {
  const pkg = readJson('package.json');
  if (tagArg !== `v${pkg.version}`)
    throw new ReleaseError(
      `tag ${tagArg} does not match package.json version ${pkg.version} (make releases with npm run release -- X.Y.Z)`,
    );
  console.log(`${tagArg} matches package.json`);
}

// Run as a script (not imported by the unit tests).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [first, second] = process.argv.slice(2);
  try {
    if (first === '--notes') notes(second);
    else if (first === '--major-target') majorTarget(second, readFileSync(0, 'utf8'));
    else if (first === '--check-tag') checkTag(second);
    else if (first === '--check-on-main') checkOnMain(second, process.argv[4]);
    else prepare(first);
  } catch (error) {
    if (!(error instanceof ReleaseError)) throw error;
    console.error(`release: ${error.message}`);
    process.exit(1);
  }
}
