// The `https://<x>.ghe.com/` form of github:baseUrl in the sandbox: GitHub Enterprise Cloud with
// data residency, whose REST API is https://api.<x>.ghe.com/ (REST at the root, port 443). Offline,
// the GitHub stand-in also listens over HTTPS with a certificate for that name from a fresh sandbox
// CA, and the host map (hostMap.ts) sends api.<x>.ghe.com:443 to that listener. Node processes
// only: the test process (install) and its node children (env); not Go programs.
import { GitHubApi } from "./githubApi";
import { HostMap, hostMapEnv, installHostMap } from "./hostMap";
import { createSandboxCa } from "./sandboxTls";

export interface DataResidencyHost {
    /** What a user sets github:baseUrl to: https://<x>.ghe.com/ */
    readonly baseUrl: string;
    /** The REST root it resolves to: https://api.<x>.ghe.com/ */
    readonly apiUrl: string;
    /** The CA file the listener's certificate chains to. */
    readonly caFile: string;
    /** For node child processes (the Pulumi CLI's plugins): NODE_OPTIONS, the map, the CA. */
    readonly env: Record<string, string>;
    /** Removes the patches from this process and the CA's temp dir (the listener closes with the API). */
    stop(): void;
}

export interface DataResidencyOptions {
    /**
     * More names to resolve the same way, "host:port" -> "127.0.0.1:port": a payload URL host as
     * public DNS would resolve it (GHE.com, like GitHub.com, delivers only to hosts on the public
     * Internet, so a sandbox stack on GHE.com names its receiver by a host name, not 127.0.0.1).
     */
    readonly alsoResolve?: HostMap;
}

/**
 * Serves `api` at https://api.<subdomain>.ghe.com/ for this process (patched at once) and for child
 * processes given `env`. `compiledShim` is sandbox/dist/standins/hostMap.js (npm run build:standins).
 */
export async function serveDataResidency(api: GitHubApi, subdomain: string, compiledShim: string, opts: DataResidencyOptions = {}): Promise<DataResidencyHost> {
    if (!/^[a-z0-9-]+$/i.test(subdomain)) throw new Error(`serveDataResidency: ${subdomain} is not a <subdomain> of ghe.com`);
    const apiHost = `api.${subdomain}.ghe.com`;
    const ca = await createSandboxCa();
    try {
        const { port } = await api.serveDataResidencyHost(apiHost, await ca.issue([apiHost]));
        const map = { ...opts.alsoResolve, [`${apiHost}:443`]: `127.0.0.1:${port}` };
        const uninstall = installHostMap(map, ca.caCert);
        return {
            baseUrl: `https://${subdomain}.ghe.com/`, apiUrl: `https://${apiHost}/`, caFile: ca.caFile,
            env: hostMapEnv(map, compiledShim, ca.caFile),
            stop: () => {
                uninstall();
                ca.remove();
            },
        };
    } catch (err) {
        ca.remove();
        throw err;
    }
}
