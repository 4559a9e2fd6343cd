/** mask(): the runner's add-mask commands, as written to stdout. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { headerLines, keyValueLines } from '../../shared/inputs.js';
import { mask } from '../../shared/mask.js';

let written: string[];
beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());
const masked = () => written.join('').split('\n').filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice('::add-mask::'.length));

describe('mask', () => {
  it('masks a single-line secret as one add-mask command', () => {
    mask('s3cr3t-value');
    expect(masked()).toEqual(['s3cr3t-value']);
  });

  it('masks a multi-line secret whole and line by line (the runner matches single lines), skipping short lines', () => {
    mask('-----BEGIN KEY-----\r\nAAAAB3NzaC1yc2E\nab\n-----END KEY-----');
    // The whole value is one command with its newlines escaped, then each line of 4+ characters.
    expect(masked()).toEqual(['-----BEGIN KEY-----%0D%0AAAAAB3NzaC1yc2E%0Aab%0A-----END KEY-----', '-----BEGIN KEY-----', 'AAAAB3NzaC1yc2E', '-----END KEY-----']);
  });

  it('does nothing for an empty or missing value', () => {
    mask('');
    mask(undefined);
    expect(written).toEqual([]);
  });

  it('header values and secret KEY=value values are masked while parsing; plain KEY=value values are not', () => {
    expect(headerLines().parse('Authorization: Bearer abc123\nX-Trace: t-42')).toEqual({ Authorization: 'Bearer abc123', 'X-Trace': 't-42' });
    keyValueLines({ secretValues: true }).parse('DB_PASSWORD=p@ss=word');
    keyValueLines().parse('REGION=eu-west-1');
    expect(masked()).toEqual(['Bearer abc123', 't-42', 'p@ss=word']);
  });
});
