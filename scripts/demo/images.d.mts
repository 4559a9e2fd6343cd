export function webImage(tag: string, www: Record<string, string>): string;
export function cgiAnswer(status: string, json: unknown): string;
export function proxyImage(tag: string): string;
