import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChecks } from '../../shared/smoke/checks.js';
import { ChecksError } from '../../shared/smoke/spec.js';
import { parseShorthand } from '../../shared/smoke/paths.js';
import { checkVariables, listedVariableProblem, substitute, substituteDeep } from '../../shared/smoke/vars.js';
import { repoRoot } from '../harness/runner.js';

const env = { SMOKE_PASSWORD: 's3cret-pw' };
const UNKNOWN =
  'is neither captured by an earlier step of this flow nor a variable passed to the checks: set it with env: in the workflow under a name starting with SMOKE_, or';

function problems(text: string, environment: NodeJS.ProcessEnv = env): string[] {
  try {
    parseChecks(text, { source: 'test', env: environment });
  } catch (error) {
    if (error instanceof ChecksError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the checks to be rejected');
}

/** The checks file the smoke-test issue gives as its example. */
const ISSUE_EXAMPLE = readFileSync(join(repoRoot, 'tests/fixtures/smoke/issue-example.yml'), 'utf8');

describe('parseChecks', () => {
  it('parses the example of the issue', () => {
    const [flow] = parseChecks(ISSUE_EXAMPLE, { source: 'test', env });
    expect(flow.name).toBe('login and orders');
    const [login, orders] = flow.steps;
    expect(login.request).toMatchObject({
      method: 'POST',
      path: '/api/login',
      json: { user: 'demo', password: '${SMOKE_PASSWORD}' },
      redirect: 'follow',
    });
    expect(login.capture).toEqual({ token: 'token' });
    expect(login.expect.status.matches(200)).toBe(true);
    expect(login.expect.status.matches(201)).toBe(false);
    expect(orders.request).toMatchObject({ method: 'GET', headers: { Authorization: 'Bearer ${token}' } });
    expect(orders.expect.status.text).toBe('200,201');
    expect(orders.expect.bodyContains).toEqual(['paid']);
    expect(orders.expect.headers[0].pattern.test('application/json; charset=utf-8')).toBe(true);
    expect(orders.expect.json).toEqual([{ path: 'orders[0].status', value: 'paid' }]);
    expect(orders.expect.maxLatencyMs).toBe(800);
  });

  it('defaults: step name "METHOD path", status 2xx, GET', () => {
    const [flow] = parseChecks('flows:\n  - steps:\n      - request: { path: /health }\n', { source: 'test', env: {} });
    expect(flow.name).toBe('flow 1');
    expect(flow.steps[0].name).toBe('GET /health');
    expect(flow.steps[0].expect.status.text).toBe('2xx');
  });

  it('reports a bad status with its exact place and line', () => {
    const text = ISSUE_EXAMPLE.replace('status: [200, 201]', 'status: two hundred');
    expect(problems(text)).toEqual([
      'flows[0].steps[1].expect.status: expected a number, a list of numbers or "2xx", got "two hundred" (line 11)',
    ]);
  });

  it.each([
    ['[200, "x"]', 'a list'],
    ['99', '99'],
    ['"7xx"', '"7xx"'],
  ])('status %s is rejected', (value, shown) => {
    expect(
      problems(`flows:\n  - steps:\n      - request: { path: / }\n        expect: { status: ${value} }\n`),
    ).toEqual([
      `flows[0].steps[0].expect.status: expected a number, a list of numbers or "2xx", got ${shown} (line 4)`,
    ]);
  });

  it('rejects unknown keys at every level, all at once', () => {
    const text = `
flows:
  - name: a
    stepz: []
    steps:
      - request: { metod: POST, path: /x }
        expekt: { status: 200 }
        expect: { stauts: 200 }
`;
    expect(problems(text)).toEqual([
      'flows[0].stepz: unknown key; expected one of name, steps (line 4)',
      'flows[0].steps[0].expekt: unknown key; expected one of name, request, expect, capture, retry (line 7)',
      'flows[0].steps[0].request.metod: unknown key; expected one of method, path, url, headers, query, json, body, follow-redirects (line 6)',
      'flows[0].steps[0].expect.stauts: unknown key; expected one of status, body-contains, headers, json, max-latency (line 8)',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const [problem] = problems('flows:\n  - steps: [\n');
    expect(problem).toMatch(/^invalid YAML: .*line 3/);
  });

  it('rejects a document without flows', () => {
    expect(problems('steps: []')).toEqual([
      'steps: unknown key; expected one of flows (line 1)',
      'flows: expected a list of flows, got nothing',
    ]);
    expect(problems('- a')).toEqual(['top level: expected a mapping with a "flows" list, got a list']);
  });

  it('checks requests: path or url, json or body, method, follow-redirects', () => {
    const text = `
flows:
  - steps:
      - request: { method: FETCH }
      - request: { path: /a, url: "https://x.example" }
      - request: { path: /a, json: {}, body: x }
      - request: { path: relative, follow-redirects: "no" }
      - request: { url: "ftp://x" }
`;
    expect(problems(text)).toEqual([
      'flows[0].steps[0].request.method: expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "FETCH" (line 4)',
      'flows[0].steps[0].request: expected "path" (relative to base-url) or "url" (line 4)',
      'flows[0].steps[1].request: "path" and "url" cannot both be set (line 5)',
      'flows[0].steps[2].request: "json" and "body" cannot both be set (line 6)',
      'flows[0].steps[3].request.follow-redirects: expected true (redirects within the same origin), false or "any-origin" (also to other origins, without headers or body), got "no" (line 7)',
      'flows[0].steps[3].request.path: expected a path starting with "/", got "relative" (line 7)',
      'flows[0].steps[4].request.url: expected an http:// or https:// URL, got "ftp://x" (line 8)',
    ]);
  });

  it('checks expectations: regexes, JSON paths, latency units, capture names', () => {
    const text = `
flows:
  - steps:
      - request: { path: / }
        expect:
          headers: { content-type: "([" }
          json: { "a..b": 1 }
          max-latency: 800
          body-contains: [ok, 3]
        capture: { 1st: id, ok: "[x" }
`;
    const found = problems(text);
    expect(found).toHaveLength(6);
    expect(found[0]).toMatch(
      /^flows\[0\]\.steps\[0\]\.expect\.body-contains\[1\]: expected a text or a list of texts, got 3/,
    );
    expect(found[1]).toMatch(/^flows\[0\]\.steps\[0\]\.expect\.headers\.content-type: expected a regular expression: /);
    expect(found[2]).toBe(
      'flows[0].steps[0].expect.json["a..b"]: expected a JSON path such as status or orders[0].id as the key (line 7)',
    );
    expect(found[3]).toBe(
      'flows[0].steps[0].expect.max-latency: expected a duration with its unit, such as 800ms or 2s, got 800 (line 8)',
    );
    expect(found[4]).toBe(
      'flows[0].steps[0].capture["1st"]: expected a variable name (letters, digits and _, not starting with a digit) (line 10)',
    );
    expect(found[5]).toBe(
      'flows[0].steps[0].capture.ok: expected a JSON path such as token or items[0].id, got "[x" (line 10)',
    );
  });

  it('knows which variables a step may use: earlier captures and the environment', () => {
    const text = `
flows:
  - steps:
      - request: { path: "/users/\${id}" }
        capture: { id: id }
      - request: { path: "/users/\${id}", headers: { X-Key: "\${API_KEY}" }, json: { pw: "\${SMOKE_PASSWORD}" } }
  - steps:
      - request: { path: "/orders/\${id}" }
`;
    expect(problems(text)).toEqual([
      `flows[0].steps[0].request.path: \${id} ${UNKNOWN} list id in the "variables" input (line 4)`,
      `flows[0].steps[1].request.headers.X-Key: \${API_KEY} ${UNKNOWN} list API_KEY in the "variables" input (line 6)`,
      `flows[1].steps[0].request.path: \${id} ${UNKNOWN} list id in the "variables" input (line 8)`,
    ]);
  });

  it('asks for a request in every step and at least one flow and step', () => {
    expect(problems('flows:\n  - steps:\n      - name: x\n  - steps: []\n')).toEqual([
      'flows[0].steps[0].request: expected a request (a mapping with "path" or "url"), got nothing (line 3)',
      'flows[1].steps: expected a list of steps, got an empty list (line 4)',
    ]);
    expect(problems('flows: []')).toEqual(['flows: expected a list of flows, got an empty list (line 1)']);
  });

  it('rejects duplicate keys', () => {
    expect(problems('flows:\n  - steps: []\nflows: []\n')[0]).toMatch(/^invalid YAML: Map keys must be unique/);
  });
});

describe('parseShorthand', () => {
  it('reads "[METHOD] /path [status]" lines, one flow each', () => {
    const { flows, problems } = parseShorthand([
      'GET / 200',
      '/api/health',
      'post /api/orders 201',
      'GET /old 301',
      'HEAD /ping 2xx',
    ]);
    expect(problems).toEqual([]);
    expect(flows.map((f) => f.name)).toEqual([
      'GET /',
      'GET /api/health',
      'POST /api/orders',
      'GET /old',
      'HEAD /ping',
    ]);
    expect(flows.map((f) => f.steps[0].expect.status.text)).toEqual(['200', '200', '201', '301', '2xx']);
    expect(flows.map((f) => f.steps[0].request.redirect)).toEqual(['follow', 'follow', 'follow', 'manual', 'follow']);
  });

  it('names every bad line', () => {
    expect(parseShorthand(['FETCH /x', 'GET /', 'GET / 200 extra', 'GET api 200', 'GET / ok']).problems).toEqual([
      'line 1 "FETCH /x"',
      'line 3 "GET / 200 extra"',
      'line 4 "GET api 200"',
      'line 5 "GET / ok"',
    ]);
  });
});

describe('substitute', () => {
  it('uses captures first, then the variables passed to the checks, reporting those values as secrets', () => {
    const secrets: string[] = [];
    const env = checkVariables({ USER: 'env-user', SMOKE_KEY: 'k-123' }, ['USER']);
    const vars = {
      captures: new Map<string, unknown>([
        ['id', 42],
        ['USER', 'captured'],
      ]),
      env,
      onSecret: (v: string) => secrets.push(v),
    };
    expect(substitute('/u/${id}/${USER}?k=${SMOKE_KEY}', vars)).toBe('/u/42/captured?k=k-123');
    expect(secrets).toEqual(['k-123']);
    expect(substituteDeep({ id: '${id}', label: 'n${id}', list: ['${SMOKE_KEY}'] }, vars)).toEqual({
      id: 42,
      label: 'n42',
      list: ['k-123'],
    });
    expect(() => substitute('${NOPE}', vars)).toThrow(
      '${NOPE} is neither captured by an earlier step nor a variable passed to the checks',
    );
  });
});

describe('variables passed to the checks', () => {
  const runner = {
    ACTIONS_RUNTIME_TOKEN: 'rt',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
    ACTIONS_CACHE_URL: 'https://cache',
    ACTIONS_RESULTS_URL: 'https://results',
    GITHUB_TOKEN: 'ghs_x',
    INPUT_HEADERS: 'X-Api-Key: k',
    STATE_isPost: 'true',
    RUNNER_TEMP: '/tmp/r',
  };

  it('are the SMOKE_ ones and those listed, never the rest of the environment', () => {
    expect(checkVariables({ ...runner, SMOKE_PASSWORD: 'pw', API_KEY: 'k', HOME: '/root' }, ['API_KEY'])).toEqual({
      SMOKE_PASSWORD: 'pw',
      API_KEY: 'k',
    });
  });

  it("never include the runner's own, even listed", () => {
    expect(checkVariables({ ...runner, SMOKE_X: '1' }, Object.keys(runner))).toEqual({ SMOKE_X: '1' });
    for (const name of [...Object.keys(runner), 'github_token', 'Actions_Runtime_Token'])
      expect(listedVariableProblem(name), name).toMatch(
        /is one of the runner's own variables \(ACTIONS_\*, GITHUB_\*, INPUT_\*, STATE_\*, RUNNER_\*\), which checks can never read$/,
      );
    expect(listedVariableProblem('API_KEY')).toBeUndefined();
    expect(listedVariableProblem('1X')).toBe(
      '"1X" is not a variable name (letters, digits and _, not starting with a digit)',
    );
  });

  it('refuse a reference to a runner variable in the checks, saying it can never be read', () => {
    const text = 'flows:\n  - steps:\n      - request: { path: /x, headers: { X-T: "${ACTIONS_RUNTIME_TOKEN}" } }\n';
    expect(problems(text, checkVariables({ ...runner }, []))).toEqual([
      "flows[0].steps[0].request.headers.X-T: ${ACTIONS_RUNTIME_TOKEN} is one of the runner's own variables, which checks can never read (pass the value under a SMOKE_ name instead) (line 3)",
    ]);
  });
});

describe('follow-redirects', () => {
  const step = (value: string) => `flows:\n  - steps:\n      - request: { path: /x, follow-redirects: ${value} }\n`;
  it.each([
    ['true', 'follow'],
    ['false', 'manual'],
    ['any-origin', 'follow-any-origin'],
  ])('%s is %s', (value, mode) => {
    expect(parseChecks(step(value), { source: 'test', env: {} })[0].steps[0].request.redirect).toBe(mode);
  });
  it('defaults to following within the origin, and refuses anything else', () => {
    expect(
      parseChecks('flows:\n  - steps:\n      - request: { path: /x }\n', { source: 'test', env: {} })[0].steps[0]
        .request.redirect,
    ).toBe('follow');
    expect(problems(step('everywhere'))).toEqual([
      'flows[0].steps[0].request.follow-redirects: expected true (redirects within the same origin), false or "any-origin" (also to other origins, without headers or body), got "everywhere" (line 3)',
    ]);
  });
});
