export declare const CSP: string;
export interface DemoServer {
  url: string;
  port: number;
  requests: string[];
  close(): Promise<void>;
}
export declare function serveDemo(options: {
  dir: string;
  port?: number;
  isolated?: boolean;
  tries?: number;
}): Promise<DemoServer>;
export declare function buildDemo(outDir: string): void;
