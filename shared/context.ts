import { readFileSync } from 'node:fs';

/** What the runner tells every step about the run, read from GITHUB_* variables. */
export interface RunContext {
  repository: string;
  owner: string;
  repo: string;
  sha: string;
  ref: string;
  refName: string;
  refType: string;
  eventName: string;
  event: Record<string, unknown>;
  serverUrl: string;
  apiUrl: string;
  runId: string;
  runAttempt: string;
  workflow: string;
  job: string;
  actor: string;
  workspace: string;
  runnerTemp: string;
  runUrl: string;
  commitUrl: string;
}

export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/$/, '');
  const runId = env.GITHUB_RUN_ID ?? '';
  const sha = env.GITHUB_SHA ?? '';
  return {
    repository,
    owner,
    repo,
    sha,
    ref: env.GITHUB_REF ?? '',
    refName: env.GITHUB_REF_NAME ?? '',
    refType: env.GITHUB_REF_TYPE ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    event: readEvent(env.GITHUB_EVENT_PATH),
    serverUrl,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, ''),
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    runnerTemp: env.RUNNER_TEMP ?? env.TMPDIR ?? '/tmp',
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : '',
    commitUrl: repository && sha ? `${serverUrl}/${repository}/commit/${sha}` : '',
  };
}

function readEvent(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
