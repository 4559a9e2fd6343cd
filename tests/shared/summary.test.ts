/** Job-summary helpers: Markdown building blocks and the write to GITHUB_STEP_SUMMARY. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cell, details, fence, table, writeSummary } from '../../shared/summary.js';

describe('summary helpers', () => {
  it('cell escapes pipes and turns newlines into <br>, so a value never breaks its table row', () => {
    expect(cell('a|b\r\nc\nd')).toBe('a\\|b<br>c<br>d');
    expect(cell(undefined)).toBe('');
    expect(cell(42)).toBe('42');
  });

  it('table has a header, a separator per column and one escaped row per entry', () => {
    expect(
      table(
        ['Step', 'Result'],
        [
          ['login', 'ok'],
          ['orders | list', 'status 500\nbody'],
        ],
      ),
    ).toBe(
      ['| Step | Result |', '| --- | --- |', '| login | ok |', '| orders \\| list | status 500<br>body |'].join('\n'),
    );
  });

  it('fence uses four backticks when the body holds three', () => {
    expect(fence('x', 'mermaid')).toBe('```mermaid\nx\n```');
    expect(fence('see ```code```')).toBe('````\nsee ```code```\n````');
  });

  it('details wraps a body in a collapsed section', () => {
    expect(details('Logs', 'line')).toBe('<details><summary>Logs</summary>\n\nline\n\n</details>');
  });

  it('writeSummary appends its non-empty sections to GITHUB_STEP_SUMMARY, and is a no-op without it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'summary-')), 'summary.md');
    writeFileSync(file, '## Earlier step\n');
    const before = process.env.GITHUB_STEP_SUMMARY;
    try {
      delete process.env.GITHUB_STEP_SUMMARY;
      await writeSummary('## Nowhere');
      process.env.GITHUB_STEP_SUMMARY = file;
      await writeSummary('## Health gate', undefined, false, table(['a'], [['1']]));
    } finally {
      if (before === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = before;
    }
    // Sections are separated by a blank line, and one ends the write, so the next step's section starts a new block.
    expect(readFileSync(file, 'utf8')).toBe('## Earlier step\n## Health gate\n\n| a |\n| --- |\n| 1 |\n\n');
  });
});
