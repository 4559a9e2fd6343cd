import { parseStatusSet } from '../status.js';
import { METHODS, type FlowSpec } from './spec.js';

export const SHORTHAND_EXPECTED = 'lines "[METHOD] /path [status]", e.g. "GET / 200" or "/api/health"';

/**
 * The `paths` shorthand: one check per line, `[METHOD] /path [status]`
 * (GET and 200 by default). Each line is its own one-step flow, so they run
 * in parallel and one failure does not hide another. A 3xx expectation turns
 * redirect following off: the redirect itself is what is checked.
 * Problems name the offending lines: `line 2 "FETCH /x"`.
 */
export function parseShorthand(lines: readonly string[]): { flows: FlowSpec[]; problems: string[] } {
  const flows: FlowSpec[] = [];
  const problems: string[] = [];
  lines.forEach((line, i) => {
    const tokens = line.split(/\s+/);
    const method = (METHODS as readonly string[]).includes(tokens[0].toUpperCase())
      ? tokens.shift()!.toUpperCase()
      : 'GET';
    const path = tokens.shift();
    const statusText = tokens.shift() ?? '200';
    const status = parseStatusSet(statusText);
    if (!path?.startsWith('/') || !status || tokens.length > 0) {
      problems.push(`line ${i + 1} ${JSON.stringify(line)}`);
      return;
    }
    const name = `${method} ${path}`;
    const redirect = [301, 302, 303, 307, 308].some((s) => status.matches(s)) ? 'manual' : 'follow';
    flows.push({
      name,
      steps: [
        {
          name,
          request: { method, path, headers: {}, query: {}, redirect },
          expect: { status, bodyContains: [], headers: [], json: [] },
          capture: {},
        },
      ],
    });
  });
  return { flows, problems };
}
