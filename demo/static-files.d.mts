import type { IncomingMessage, ServerResponse } from 'node:http';
export declare const TYPES: Record<string, string>;
export declare function fileFor(root: string, path: string): string | undefined;
export declare function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string): void;
