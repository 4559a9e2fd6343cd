export const HASH_FILE: string;
export function sourcesHash(name: string): string;
export function staleBundles(names?: readonly string[]): string[];
