import { z } from 'zod';
import { parseAssertion, type JsonAssertion } from '../../../shared/assertions.js';
import { metricInputs, refineMetricInputs } from '../../../shared/health/metric-inputs.js';
import { duration, fail, headerLines, httpUrl, integer, multiLine, optionalDuration, optionalText, parseInputs, singleLine, splitLines } from '../../../shared/inputs.js';
import { parseStatusSet, type StatusSet } from '../../../shared/status.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export const schema = z.object({
  url: httpUrl({ credentials: 'send credentials in "headers"' }),
  method: singleLine().transform((s, ctx) => {
    const m = s.trim().toUpperCase() || 'GET';
    return METHODS.includes(m) ? m : fail(ctx, `one of ${METHODS.join(', ')}`);
  }),
  headers: headerLines(),
  'expect-status': singleLine().transform((s, ctx): StatusSet => parseStatusSet(s.trim() || '200') ?? fail(ctx, 'statuses and ranges such as 200-299,304 or 2xx')),
  'body-contains': optionalText(),
  'json-assertions': multiLine().transform((s, ctx): JsonAssertion[] => {
    const assertions: JsonAssertion[] = [];
    for (const line of splitLines(s)) {
      const assertion = parseAssertion(line);
      if (!assertion) return fail(ctx, `lines "path op value" with op one of == != < <= > >= =~ (numbers for < <= > >=, a valid regex for =~); line ${JSON.stringify(line)} is not`);
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
