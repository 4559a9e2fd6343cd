// A step of the demo: the action run by the test suite's runner
// (tests/harness/runner.ts: INPUT_* with defaults, GITHUB_* context, file
// commands, the post step with STATE_*), its log shown live as the GitHub UI
// shows it: workflow commands turned into what a person sees, masked values
// replaced by ***, debug hidden.
import { runAction as runStep } from '../../tests/harness/runner.ts';

function logPrinter(print) {
  const masks = [];
  let buffer = '';
  const hide = (line) => masks.reduce((text, secret) => text.split(secret).join('***'), line);
  const decode = (v) => v.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const label = { error: '✖ Error', warning: '⚠ Warning', notice: 'ℹ Notice' };
  const line = (raw) => {
    const command = /^::([\w-]+)(?: [^:]*)?::(.*)$/.exec(raw);
    if (!command) return print(hide(raw));
    const [, name, value] = command;
    if (name === 'add-mask') {
      for (const part of decode(value).split('\n')) if (part.trim()) masks.push(part);
    } else if (name === 'group') print(`▸ ${hide(decode(value))}`);
    else if (label[name]) for (const l of decode(value).split('\n')) print(`${label[name]}: ${hide(l)}`);
  };
  return {
    write(chunk) {
      const lines = (buffer + chunk).split('\n');
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

/** Run the action `name` with `inputs`; its log goes to `print`, line by line. */
export async function runAction(name, { inputs, env, token, workspace, print }) {
  const log = logPrinter(print);
  const event = { ref: 'refs/heads/main', repository: { name: 'shop', full_name: 'acme/shop' } };
  // A stuck step is cut off, as the runner's timeout-minutes would.
  const options = {
    inputs,
    env: { GITHUB_WORKFLOW: 'Deploy', ...env },
    token,
    workspace,
    event,
    timeoutMs: 120_000,
    onStdout: log.write,
    onStderr: log.write,
  };
  const step = await runStep(name, options);
  log.flush();
  const ms = step.durationMs + (step.post?.durationMs ?? 0);
  return { code: step.code, outputs: step.outputs, summary: log.hide(step.summary), ms };
}
