import { z } from 'zod';
import { duration, filePath, headerLines, httpUrl, integer, multiLine, optionalText, parseInputs, splitLines } from '../../../shared/inputs.js';
import type { FlowSpec } from '../../../shared/smoke/checks.js';
import { SHORTHAND_EXPECTED, parseShorthand } from '../../../shared/smoke/paths.js';
import { listedVariableProblem } from '../../../shared/smoke/vars.js';

export const schema = z.object({
  'base-url': httpUrl({ credentials: 'send credentials in "headers"' }),
  // YAML: indentation matters, so kept as given.
  checks: multiLine(),
  'checks-file': optionalText(),
  paths: multiLine().transform((s, ctx): FlowSpec[] => {
    const { flows, problems } = parseShorthand(splitLines(s));
    for (const problem of problems) ctx.addIssue({ code: 'custom', message: `${SHORTHAND_EXPECTED}; ${problem} is not` });
    return flows;
  }),
  headers: headerLines(),
  // Names only: the values stay in the environment, where the workflow put them with env:.
  variables: multiLine().transform((s, ctx) => {
    const names = splitLines(s, { commas: true });
    for (const name of names) {
      const problem = listedVariableProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: `environment variable names, separated by commas or lines; ${problem}` });
    }
    return names;
  }),
  concurrency: integer({ min: 1, max: 100 }),
  timeout: duration({ min: 1 }),
  retries: integer({ min: 0, max: 10 }),
  'junit-report': filePath(),
});

export type Config = z.output<typeof schema>;

export function readConfig(): Config {
  return parseInputs(schema);
}
