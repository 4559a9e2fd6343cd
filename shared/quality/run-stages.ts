import * as core from '@actions/core';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STDOUT_LIMIT, exec, tail } from '../exec.js';
import { inert, info } from '../log.js';
import type { PackageManagerName } from '../setup/package-manager.js';
import { where, type Annotation } from './annotation.js';
import {
  parseEslintJson,
  parseJestJson,
  parseJunitXml,
  parsePrettierOutput,
  parseTscOutput,
  type PathBase,
} from './parsers.js';
import { withReport, type Stage, type StageName } from './stages.js';

export type StageStatus = 'passed' | 'failed' | 'skipped' | 'cancelled';

export interface StageResult {
  name: StageName;
  status: StageStatus;
  durationMs: number;
  command: string;
  annotations: Annotation[];
  /** One sentence for the summary when the stage failed without findings, or could not run. */
  detail?: string;
}

/**
 * One stage to run: `command` is what the user asked for (the summary's
 * column), `running` what actually runs when it differs (the log's group
 * title: the report arguments and temporary paths added to it).
 */
export type Task = {
  name: StageName;
  command: string;
  running?: string;
  run: (
    signal: AbortSignal,
    log: (text: string) => void,
  ) => Promise<Omit<StageResult, 'name' | 'command' | 'durationMs'>>;
};

export interface RunOptions {
  pm: PackageManagerName;
  base: PathBase;
  reportDir: string;
  parallel: boolean;
  failFast: boolean;
  timeoutMs: number;
}

/** Findings of a finished command, read the way its tool reports them. */
function findings(stage: Stage, output: string, report: string, base: PathBase): Annotation[] {
  const found: Annotation[] = [];
  if (stage.tool === 'eslint') found.push(...(parseEslintJson(report, base) ?? []));
  if (stage.junit) found.push(...(parseJunitXml(stage.junit, base) ?? []));
  else if (stage.tool === 'vitest' || stage.tool === 'jest')
    found.push(...(parseJestJson(report, base) ?? parseJunitXml(report, base) ?? []));
  // Any type checker that prints tsc's format (tsc, vue-tsc, tsc -b in a script chain) is read the same way.
  if (stage.tool === 'tsc' || stage.name === 'typecheck') found.push(...parseTscOutput(output, base));
  if (stage.tool === 'prettier' || stage.name === 'format-check') found.push(...parsePrettierOutput(output, base));
  return found;
}

export function commandTask(stage: Stage, options: RunOptions): Task {
  const report = join(options.reportDir, `${stage.name}.json`);
  const argv = withReport(stage, options.pm, report);
  return {
    name: stage.name,
    command: stage.command,
    running: [...Object.entries(stage.env ?? {}).map(([k, v]) => `${k}=${v}`), ...argv]
      .map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))
      .join(' '),
    run: async (signal, log) => {
      const started = Date.now();
      const env = stage.env ? { ...process.env, ...stage.env } : undefined;
      // Both streams are read for findings (prettier warns on stderr): each kept as whole as stdout.
      const result = await exec(argv, {
        cwd: options.base.projectDir,
        env,
        timeoutMs: options.timeoutMs,
        allowFailure: true,
        signal,
        onOutput: (chunk) => log(chunk),
        keep: { stderr: STDOUT_LIMIT },
      });
      // A report left from an earlier run would annotate failures that no longer exist.
      const staleJunit =
        stage.junit !== undefined && !(existsSync(stage.junit) && statSync(stage.junit).mtimeMs >= started - 1000);
      if (staleJunit) log(`\nThe test report ${stage.junit} was not written by this run: no test annotations\n`);
      const annotations = findings(
        staleJunit ? { ...stage, junit: undefined, tool: 'other' } : stage,
        result.stdout + '\n' + result.stderr,
        report,
        options.base,
      );
      // ESLint's report went to a file: show its findings in the log as well.
      if (stage.tool === 'eslint')
        for (const a of annotations)
          log(`${where(a)}  ${a.level}  ${a.message}  ${a.title.replace(/^ESLint ?/, '')}\n`);
      if (signal.aborted)
        return { status: 'cancelled', annotations: [], detail: 'stopped because another stage failed (fail-fast)' };
      if (result.code === 0) return { status: 'passed', annotations };
      return {
        status: 'failed',
        annotations,
        detail: annotations.length
          ? undefined
          : `exited with code ${result.code}: ${tail(result.stderr || result.stdout, 5) || 'no output'}`,
      };
    },
  };
}

/**
 * Run the stages, one after the other or all at once. Output streams inside a
 * log group when sequential; in parallel each stage's output is held back and
 * printed as one group when it ends, so groups never interleave. With
 * fail-fast the first failure stops the rest (running ones are terminated).
 */
export async function runStages(
  tasks: readonly Task[],
  options: Pick<RunOptions, 'parallel' | 'failFast'>,
): Promise<StageResult[]> {
  const controller = new AbortController();
  const runOne = async (task: Task): Promise<StageResult> => {
    if (controller.signal.aborted)
      return {
        name: task.name,
        command: task.command,
        status: 'skipped',
        durationMs: 0,
        annotations: [],
        detail: 'not run: an earlier stage failed (fail-fast)',
      };
    const started = performance.now();
    let buffered = '';
    const title = `${task.name}: ${task.running ?? task.command}`;
    if (!options.parallel) core.startGroup(title);
    const log = options.parallel ? (t: string) => void (buffered += t) : (t: string) => void process.stdout.write(t);
    let outcome: Awaited<ReturnType<Task['run']>>;
    try {
      outcome = await task.run(controller.signal, log);
    } catch (error) {
      outcome = { status: 'failed', annotations: [], detail: (error as Error).message };
      log(`${inert((error as Error).message)}\n`);
    }
    const durationMs = Math.round(performance.now() - started);
    if (options.parallel) {
      core.startGroup(title);
      process.stdout.write(buffered.endsWith('\n') || !buffered ? buffered : `${buffered}\n`);
    }
    core.endGroup();
    info(`${task.name}: ${outcome.status} in ${(durationMs / 1000).toFixed(1)}s`);
    if (outcome.status === 'failed' && options.failFast) controller.abort();
    return { name: task.name, command: task.command, durationMs, ...outcome };
  };
  if (options.parallel) return Promise.all(tasks.map(runOne));
  const results: StageResult[] = [];
  for (const task of tasks) results.push(await runOne(task));
  return results;
}
