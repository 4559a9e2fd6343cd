import * as core from '@actions/core';
import { errorMessage } from '../errors.js';
import { info } from '../log.js';
import { DeploymentsClient, type StatusUpdate } from './deployments.js';

/**
 * The outcome a GitHub Deployment is about to get, saved in the step state
 * before it is sent: when the main step is killed, or its time after a
 * cancel runs out, before GitHub has it, the post step sends it. Until the
 * main step knows better, that outcome is a failure: the step stopped.
 */
export interface PendingStatus extends StatusUpdate {
  id: number;
  apiUrl: string;
  repository: string;
}

const STATE = 'github-deployment-pending';

export const STOPPED = 'cancelled: the step stopped before it recorded its outcome';

export function savePending(pending: PendingStatus | undefined): void {
  core.saveState(STATE, pending ? JSON.stringify(pending) : '');
}

/**
 * Post step: send the outcome the main step could not. The token is read
 * from the `github-token` input, never written to the state file.
 */
export async function sendPending(): Promise<void> {
  const text = core.getState(STATE);
  const token = core.getInput('github-token');
  if (!text || !token) return;
  const { id, apiUrl, repository, ...update } = JSON.parse(text) as PendingStatus;
  core.setSecret(token);
  const client = new DeploymentsClient({ token, apiUrl, repository, callDeadlineMs: 30_000, log: info });
  try {
    await client.setStatus(id, update);
    info(`GitHub Deployment ${id} set to ${update.state} (${update.description}): the main step could not`);
  } catch (error) {
    core.warning(`Could not set GitHub Deployment ${id} to ${update.state}: ${errorMessage(error)}`);
  }
}
