// Types for kube-proxy.mjs (the real kube-proxy in the network namespace lab-kp), for test/cluster/*.ts.
export declare const NETNS: string;
/** The address of the namespace's end of the veth (an address this script creates; usable as a LoadBalancer IP in tests). */
export declare const NS_ADDR: string;
export declare function harnessVars(): { kubeProxyBin: string; kubectlBin: string; nodeName: string; kubeconfig: string };
export declare function kubeProxyProblem(): string | undefined;
export declare function cleanupKubeProxy(opts?: { log?: (line: string) => void }): void;
export declare const hasGatewayChains: (nat: string) => boolean;
export interface KubeProxyHandle {
  netns: string;
  pid: number;
  logFile: string;
  version: string;
  saveNat(): string;
  waitForNat(ready: (nat: string) => boolean, opts?: { timeoutMs?: number; intervalMs?: number }): Promise<{ nat: string; ms: number }>;
  stop(): Promise<void>;
}
export declare function startKubeProxy(opts?: { log?: (line: string) => void; verbosity?: number }): Promise<KubeProxyHandle>;
