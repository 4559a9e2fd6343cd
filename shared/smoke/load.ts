import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { parseChecks } from './checks.js';
import { ChecksError, type FlowSpec } from './spec.js';

export interface Sources {
  /** YAML text of the `checks` input. */
  checks: string;
  /** Path of a YAML file, relative to the workspace. */
  checksFile?: string;
  workspace: string;
  /** Flows from the `paths` shorthand, already parsed. */
  shorthand: FlowSpec[];
  env: NodeJS.ProcessEnv;
  /** How the action names the inputs: `smoke-` in the one-step deploy. */
  prefix?: string;
}

/**
 * Every flow from every source, in order: checks, checks-file, paths. All
 * mistakes of all sources are reported together, each with its place.
 */
export function loadFlows(sources: Sources): FlowSpec[] {
  const input = (name: string) => `"${sources.prefix ?? ''}${name}"`;
  const flows: FlowSpec[] = [];
  const errors: string[] = [];
  const parse = (text: string, source: string) => {
    try {
      flows.push(
        ...parseChecks(text, { source, env: sources.env, variablesInput: `${sources.prefix ?? ''}variables` }),
      );
    } catch (error) {
      if (!(error instanceof ChecksError)) throw error;
      errors.push(error.message);
    }
  };
  if (sources.checks.trim()) parse(sources.checks, `the ${input('checks')} input`);
  if (sources.checksFile) {
    const path = resolve(sources.workspace, sources.checksFile);
    if (!existsSync(path) || !statSync(path).isFile())
      errors.push(
        `${input('checks-file')}: no file ${JSON.stringify(sources.checksFile)} in the workspace (looked for ${path})`,
      );
    else parse(readFileSync(path, 'utf8'), `${JSON.stringify(sources.checksFile)} (${input('checks-file')})`);
  }
  if (errors.length > 0) throw new UserError(errors.join('\n'));
  flows.push(...sources.shorthand);
  if (flows.length === 0)
    throw new UserError(
      `Nothing to check: set at least one of the inputs ${input('checks')}, ${input('checks-file')} or ${input('paths')}`,
    );
  return flows;
}
