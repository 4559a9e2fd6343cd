import { duration, headerLines, integer, multiLine, optionalText, splitLines } from '../inputs.js';
import { perPrefix, withoutPrefix, withPrefix, type ValuesOf } from '../prefixed-inputs.js';
import type { Redactor } from '../redact.js';
import type { FlowSpec } from './spec.js';
import type { SmokeOptions } from './flows.js';
import { loadFlows } from './load.js';
import { SHORTHAND_EXPECTED, parseShorthand } from './paths.js';
import { checkVariables, listedVariableProblem } from './vars.js';

/**
 * The smoke test's checks and how they run: every input of smoke-test but
 * `base-url` and `junit-report`, which the one-step deploy takes as
 * `smoke-*`. The parsed values become flows in `smokeFlows` and the run's
 * options in `smokeOptions`, the one place each is done.
 */
const smokeShape = perPrefix(() => ({
  // YAML: indentation matters, so kept as given.
  checks: multiLine(),
  'checks-file': optionalText(),
  paths: multiLine().transform((s, ctx): FlowSpec[] => {
    const { flows, problems } = parseShorthand(splitLines(s));
    for (const problem of problems)
      ctx.addIssue({ code: 'custom', message: `${SHORTHAND_EXPECTED}; ${problem} is not` });
    return flows;
  }),
  headers: headerLines(),
  // Names only: the values stay in the environment, where the workflow put them with env:.
  variables: multiLine().transform((s, ctx) => {
    const names = splitLines(s, { commas: true });
    for (const name of names) {
      const problem = listedVariableProblem(name);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `environment variable names, separated by commas or lines; ${problem}`,
        });
    }
    return names;
  }),
  concurrency: integer({ min: 1, max: 100 }),
  timeout: duration({ min: 1 }),
  retries: integer({ min: 0, max: 10 }),
}));

export type SmokeValues = ValuesOf<ReturnType<typeof smokeShape>>;

/** The smoke test's inputs, for a schema, named `${prefix}checks` and so on. */
export const smokeInputs = <P extends string = ''>(prefix: P = '' as P) => withPrefix(prefix, smokeShape(''));

/** The smoke test's values of a parsed config, under their own names. */
export const smokeValues = (config: Record<string, unknown>, prefix = ''): SmokeValues =>
  withoutPrefix(config, prefix, smokeShape(''));

/** Whether any check is configured at all. */
export const hasSmokeChecks = (values: SmokeValues): boolean =>
  Boolean(values.checks.trim() || values['checks-file'] || values.paths.length);

/** Every flow of every source; a mistake in any fails here, naming the input as the action does (`prefix`). */
export function smokeFlows(values: SmokeValues, workspace: string, prefix = ''): FlowSpec[] {
  return loadFlows({
    checks: values.checks,
    checksFile: values['checks-file'],
    workspace,
    shorthand: values.paths,
    env: checkVariables(process.env, values.variables),
    prefix,
  });
}

/** How the flows run against `baseUrl`: every value a check reads from the environment goes to `secrets`. */
export function smokeOptions(
  values: SmokeValues,
  baseUrl: string,
  secrets: Redactor,
  log: (line: string) => void,
): SmokeOptions {
  return {
    baseUrl,
    headers: values.headers,
    timeoutMs: values.timeout,
    retries: values.retries,
    concurrency: values.concurrency,
    env: checkVariables(process.env, values.variables),
    onSecret: (value) => secrets.add(value),
    log: (line) => log(secrets.redact(line)),
  };
}
