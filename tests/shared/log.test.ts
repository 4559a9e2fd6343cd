/**
 * inert() and info(): outside text printed so that no line of it is a
 * workflow command, checked with the harness's reading of the runner's parser
 * (actions/runner ActionCommand.cs: TryParseV2 after TrimStart, legacy `##[`
 * anywhere in a line, lines ending at \n or \r).
 */
import * as core from '@actions/core';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inert, info } from '../../shared/log.js';
import { repoRoot, workflowCommands } from '../harness/runner.js';
import { captureStdout } from '../harness/stdout.js';

const stdout = captureStdout();

/** What a server or a CLI could answer, each a command the runner would obey if printed as it is. */
const ATTACKS: Record<string, string> = {
  'add-mask and a warning on their own lines': 'ok\n::add-mask::x\n::warning::pwned',
  'set-output after a bare carriage return': 'progress 10%\r::set-output name=healthy::true',
  'an annotation after CRLF and indentation': 'error:\r\n  \t::error file=app.js,line=1::pwned',
  'stop-commands, upper case': 'body\n::STOP-COMMANDS::tok',
  'no-break and line-separator spaces (the runner trims them)': 'a\n\u00a0::notice::pwned\n\u2028\u3000::debug::pwned',
  'a next-line character (NEL) before the command': 'a\n\u0085::group::pwned',
  'the legacy form in the middle of a line': '{"status":"down","note":"##[add-mask]x"}',
  'legacy set-output with properties': 'status ##[set-output name=healthy;]true',
  'legacy warning at the start of the text': '##[warning]pwned',
  'a command as the very first line': '::add-mask::x',
};

describe('inert', () => {
  for (const [name, text] of Object.entries(ATTACKS)) {
    it(`${name}: a command when printed as it is, none once inert`, () => {
      expect(workflowCommands(text)).not.toEqual([]);
      expect(workflowCommands(inert(text))).toEqual([]);
    });
  }

  it('keeps the text readable: a backslash breaks each prefix, nothing else changes', () => {
    expect(inert('ok\n::add-mask::x\n  ::warning::pwned')).toBe('ok\n\\::add-mask::x\n  \\::warning::pwned');
    expect(inert('note ##[add-mask]x and ##[warning]y')).toBe('note ##[\\add-mask]x and ##[\\warning]y');
    expect(inert('GET /health: 503, 12ms FAIL body "a::b" (https://host:8443/x)')).toBe(
      'GET /health: 503, 12ms FAIL body "a::b" (https://host:8443/x)',
    );
    expect(inert(inert(ATTACKS['add-mask and a warning on their own lines']))).toBe(
      inert(ATTACKS['add-mask and a warning on their own lines']),
    );
  });

  it('info() prints the text inert, one line per line', () => {
    info('health answered:\n::add-mask::hidden\n##[warning]pwned');
    expect(stdout.written.join('')).toBe('health answered:\n\\::add-mask::hidden\n##[\\warning]pwned\n');
    expect(workflowCommands(stdout.written.join(''))).toEqual([]);
  });
});

describe('@actions/core escapes what it writes as a command (relied on for annotations and groups)', () => {
  const text = 'first\r\n::add-mask::x\n##[warning]y %0A::set-output name=a::b';
  const commands = () => workflowCommands(stdout.written.join(''));

  it('error, warning, notice, debug: one command each, whose message is the whole text', () => {
    core.error(text);
    core.warning(text, { title: 'T\n::add-mask::t' });
    core.notice(text);
    core.debug(text);
    expect(commands().map((c) => [c.name, c.data])).toEqual([
      ['error', text],
      ['warning', text],
      ['notice', text],
      ['debug', text],
    ]);
  });

  it('startGroup: the title cannot start a line of its own', () => {
    core.startGroup(text);
    core.endGroup();
    expect(commands().map((c) => [c.name, c.data])).toEqual([
      ['group', text],
      ['endgroup', ''],
    ]);
  });

  it('core.info does not escape: it is not for outside text', () => {
    core.info(text);
    expect(commands().map((c) => c.name)).toEqual(['add-mask', 'warning']);
  });
});

describe('one boundary', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
    });

  it('no action prints with core.info or console: every log line goes through shared/log.ts', () => {
    const files = [
      ...sources(join(repoRoot, 'shared')),
      ...readdirSync(join(repoRoot, 'actions'))
        // A composite action (ci) has no sources.
        .filter((a) => existsSync(join(repoRoot, 'actions', a, 'src')))
        .flatMap((a) => sources(join(repoRoot, 'actions', a, 'src'))),
    ];
    const offenders = files
      .filter((f) => /\bcore\.info\b|\bconsole\.(log|info|warn|error)\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(repoRoot, f));
    expect(offenders).toEqual(['shared/log.ts']);
  });
});
