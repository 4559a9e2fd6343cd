import * as core from '@actions/core';
import { info } from '../log.js';
import { buildMessage, type SlackStatus, type StageResult } from '../slack/message.js';
import { describeDestination, sendSlack, type SendSlackResult, type SlackDestination } from '../slack/send.js';
import { STAGE_TITLES, type DeployResult, type StageName, type StageRecord } from './pipeline.js';

export interface NotifierOptions {
  destination?: SlackDestination;
  environment: string;
  environmentUrl?: string;
  version: string;
  mention?: string;
  log: (line: string) => void;
  warn: (line: string) => void;
}

const FINAL_STATUS: Record<DeployResult, SlackStatus> = {
  success: 'success',
  'rolled-back': 'rolled-back',
  failed: 'failure',
};
const MAIN_STAGES: readonly StageName[] = ['pre-deploy', 'deploy', 'smoke', 'health-gate', 'post-deploy'];

/**
 * One Slack message for the whole deploy: posted as `started`, then edited in
 * place after each stage and at the end (Web API). A webhook cannot edit, so
 * it gets the `started` message and the final one only. Slack failures warn
 * once and never touch the deploy.
 */
export class DeployNotifier {
  private ts?: string;
  private channel?: string;
  private warned = false;
  /** The last delivery, for the job summary. */
  last?: SendSlackResult;

  constructor(private readonly options: NotifierOptions) {}

  get where(): string | undefined {
    return this.options.destination && describeDestination(this.options.destination);
  }

  private stages(records: readonly StageRecord[], running?: StageName): StageResult[] {
    const shown: StageResult[] = records
      .filter((r) => r.status !== 'skipped' || MAIN_STAGES.includes(r.name))
      .filter((r) => !(r.status === 'skipped' && /^no /.test(r.detail))) // stages not configured at all are noise
      .map((r) => ({
        name: STAGE_TITLES[r.name],
        status: r.status,
        durationMs: r.status === 'skipped' ? undefined : r.ms,
        detail: r.status === 'failure' ? r.detail.split('\n')[0] : undefined,
      }));
    if (running) shown.push({ name: STAGE_TITLES[running], status: 'running' });
    return shown;
  }

  private async send(
    status: SlackStatus,
    records: readonly StageRecord[],
    done: boolean,
    message?: string,
    running?: StageName,
  ): Promise<void> {
    const destination = this.options.destination;
    if (!destination) return;
    const canEdit = 'token' in destination;
    if (!canEdit && !done && this.last) return; // a webhook gets only the first and the last message
    const body = buildMessage({
      status,
      environment: this.options.environment,
      environmentUrl: this.options.environmentUrl,
      version: this.options.version,
      mention: this.options.mention,
      message,
      stages: this.stages(records, running),
    });
    const target: SlackDestination =
      canEdit && this.ts
        ? { ...destination, channel: this.channel ?? destination.channel, updateTs: this.ts }
        : destination;
    const result = await sendSlack({ destination: target, message: body, log: this.options.log, deadlineMs: 30_000 });
    this.last = result;
    if (result.ok) {
      if (result.ts && !this.ts) {
        this.ts = result.ts;
        this.channel = result.channel;
      }
      if (done || result.action === 'posted') this.options.log(`Slack: ${result.action} (${status})`);
    } else if (!this.warned) {
      this.warned = true;
      this.options.warn(`Slack notification failed (the deploy goes on): ${result.error}`);
    }
  }

  started(): Promise<void> {
    return this.send('started', [], false);
  }

  /** Edit the message as `running` starts: the stages done so far, then the running one. */
  progress(running: StageName, records: readonly StageRecord[]): Promise<void> {
    const destination = this.options.destination;
    if (!destination || !('token' in destination) || !this.ts) return Promise.resolve();
    return this.send('started', records, false, undefined, running);
  }

  finished(result: DeployResult, records: readonly StageRecord[], message?: string): Promise<void> {
    return this.send(FINAL_STATUS[result], records, true, message);
  }
}

/** The one-step deploy's notifier, from its inputs, reporting to the job log. */
export function deployNotifier(config: {
  slack?: SlackDestination;
  environment: string;
  'environment-url'?: string;
  image: string;
  'slack-mention'?: string;
}): DeployNotifier {
  const { slack: destination, environment, image: version } = config;
  return new DeployNotifier({
    destination,
    environment,
    environmentUrl: config['environment-url'],
    version,
    mention: config['slack-mention'],
    log: info,
    warn: (line) => core.warning(line),
  });
}
