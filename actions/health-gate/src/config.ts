import { z } from 'zod';
import { parseAssertion, type JsonAssertion } from '../../../shared/assertions.js';
import { metricInputs, refineMetricInputs } from '../../../shared/health/metric-inputs.js';
import { duration, headerLines, httpUrl, integer, optionalDuration, optionalText, parseInputs, splitLines } from '../../../shared/inputs.js';
import { parseStatusSet, type StatusSet } from '../../../shared/status.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export const schema = z.object({
  url: httpUrl(),
  method: z.string().transform((s, ctx) => {
    const m = s.trim().toUpperCase() || 'GET';
    if (METHODS.includes(m)) return m;
    ctx.addIssue({ code: 'custom', message: `one of ${METHODS.join(', ')}` });
    return z.NEVER;
  }),
  headers: headerLines(),
  'expect-status': z.string().transform((s, ctx): StatusSet => {
    const set = parseStatusSet(s.trim() || '200');
    if (set) return set;
    ctx.addIssue({ code: 'custom', message: 'statuses and ranges such as 200-299,304 or 2xx' });
    return z.NEVER;
  }),
  'body-contains': optionalText(),
  'json-assertions': z.string().transform((s, ctx): JsonAssertion[] => {
    const assertions: JsonAssertion[] = [];
    for (const line of splitLines(s)) {
      const assertion = parseAssertion(line);
      if (!assertion) {
        ctx.addIssue({ code: 'custom', message: `lines "path op value" with op one of == != < <= > >= =~ (numbers for < <= > >=, a valid regex for =~); line ${JSON.stringify(line)} is not` });
        return z.NEVER;
      }
      assertions.push(assertion);
    }
    return assertions;
  }),
  'max-latency': optionalDuration(),
  interval: duration({ min: 0 }),
  timeout: duration({ min: 1 }),
  deadline: duration({ min: 1 }),
  'success-threshold': integer({ min: 1, max: 1000 }),
  'max-failures': integer({ min: 1, max: 1000 }),
  ...metricInputs(),
}).superRefine(refineMetricInputs());

export type Config = z.output<typeof schema>;

export function readConfig(): Config {
  return parseInputs(schema, { secrets: ['prometheus-headers'] });
}
