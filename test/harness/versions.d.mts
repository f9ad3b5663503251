// Types for versions.mjs (the one reader of versions.sh), for test/cluster/*.ts.
export declare function versionVars<N extends string>(...names: N[]): Record<N, string>;
