import * as core from '@actions/core';

/** Finds the values in a secret that must be masked. */
export type SecretParts = (value: string) => string[];

const ARMOUR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;
/** `Name: value` or `NAME=value` (a header, a variable, a YAML key): the value is the secret, not the name. */
const FIELD = /^(?:-\s+)?["']?[\w.-]+["']?\s*[:=]\s*(.*)$/;
/** Shorter lines are punctuation or a key's last bytes; masking them would blank common text everywhere. */
const MIN_LINE = 4;

const unquote = (value: string) => value.replace(/^(["'])(.*)\1$/, '$2');

/**
 * The values of a secret the runner must hide. A single line is the secret
 * itself. Of a multi-line secret, the runner only ever sees one log line at a
 * time, so each line that carries secret material is masked on its own, and
 * nothing generic: of a PEM key (ssh-key) each base64 body line, never its
 * `-----BEGIN …-----` armour or `Proc-Type:`/`DEK-Info:` headers; of
 * `Name: value` / `KEY=value` lines the value, not the name; other lines whole.
 * Secrets with more structure (a kubeconfig) have their own reader.
 */
export function secretParts(value: string): string[] {
  const lines = value
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  if (lines.length <= 1) return value.trim() ? [value] : [];
  const parts: string[] = [];
  let inPem = false;
  for (const line of lines) {
    if (ARMOUR.test(line)) {
      inPem = line.startsWith('-----BEGIN');
      continue;
    }
    if (inPem && line.includes(':')) continue; // RFC 1421 headers (base64 has no ':'): algorithm names and an IV
    const field = inPem ? undefined : FIELD.exec(line);
    const part = field ? unquote(field[1].trim()) : line;
    if (part.length >= MIN_LINE) parts.push(part);
  }
  return [...new Set(parts)];
}

/**
 * Tell the runner to hide a secret in every later log line. Never the whole
 * of a multi-line value: the runner would register each of its lines as a
 * mask (AddMaskCommandExtension splits the value), generic ones included.
 */
export function mask(value: string | undefined, parts: SecretParts = secretParts): void {
  if (!value) return;
  for (const part of parts(value)) core.setSecret(part);
}
