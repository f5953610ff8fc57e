export function htmlToText(html: string): string;
export function benchDocuments(count: number, chars?: number): { source: string; texts: string[] };
export function koreanBenchDocuments(count: number, chars?: number): { source: string; texts: string[] };
