// The real parts production exposures stand on, for the exposures suite (sandbox/tests/
// exposures.e2e.test.ts): an ingress controller with Gateway API support (Traefik v3.6, out of
// cluster), cert-manager's controllers with Issuers that need no network, the Gateway API's CRDs,
// and a stand-in for a cloud's load-balancer controller. Names GitHub posts to resolve through the
// host map (node processes only: this one, where the GitHub stand-in delivers, and the provider
// plugin, where the probe runs), and the sandbox CA stands for a public CA: GitHub's stand-in and
// the probe trust it, nothing else does.
import * as fs from "fs";
import * as path from "path";
import { CertManager } from "./cluster/certManager";
import { ControlPlane } from "./cluster/controlPlane";
import { installCrds } from "./cluster/flux";
import { LoadBalancerController } from "./cluster/loadBalancer";
import { Supervisor } from "./cluster/processes";
import { startTraefik, Traefik } from "./cluster/traefik";
import { GitHubApi } from "./standins/githubApi";
import { HostMap, hostMapEnv, installHostMap } from "./standins/hostMap";
import { createSandboxCa, SandboxCa } from "./standins/sandboxTls";
import { ExposureToolchain, standinsDist } from "./toolchain";

/** The service range whose ClusterIPs the kube-proxy stand-in can serve (loopback). */
export const LoopbackServiceRange = "127.96.0.0/16";
/** Host names GitHub posts to, as public DNS would resolve them to the ingress controller. */
export const IngressHost = "flux-webhook.sandbox.example";
export const GatewayHost = "flux-gw.sandbox.example";
/** How many of the load-balancer stand-in's host names the host map resolves. */
const LoadBalancerNames = 8;

export interface Exposures {
    readonly ca: SandboxCa;
    readonly traefik: Traefik;
    readonly certManager: CertManager;
    readonly loadBalancer: LoadBalancerController;
    /** For the stack's CLI and plugins: the host map and the CA (hostMapEnv). */
    readonly env: Record<string, string>;
    readonly hostMap: HostMap;
}

export async function startExposures(sup: Supervisor, cp: ControlPlane, github: GitHubApi, tools: ExposureToolchain, dir: string): Promise<Exposures> {
    fs.mkdirSync(dir, { recursive: true });
    const ca = await createSandboxCa(dir);
    sup.onStop(() => ca.remove());
    // GitHub trusts public CAs: here the sandbox CA stands for one.
    github.setTrustedCas([ca.caCert]);

    await installCrds(cp, tools.gatewayApiCrds);
    const traefik = await startTraefik(sup, cp, path.join(dir, "traefik"), { binary: tools.traefik, gatewayRbac: tools.traefikGatewayRbac });
    const certManager = await CertManager.start(sup, cp, { binary: tools.certManagerController, crds: tools.certManagerCrds });

    const loadBalancer = new LoadBalancerController(cp.api);
    loadBalancer.start();
    sup.onStop(() => loadBalancer.stop());

    const at = (port: number) => `${traefik.address}:${port}`;
    const hostMap: HostMap = {
        [`${IngressHost}:443`]: at(traefik.websecurePort),
        [`${IngressHost}:80`]: at(traefik.webPort),
        [`${GatewayHost}:443`]: at(traefik.websecurePort),
        ...loadBalancer.hostMapEntries(LoadBalancerNames),
    };
    // No CA here: the GitHub stand-in verifies with its own trustedCas, as GitHub does.
    const uninstall = installHostMap(hostMap);
    sup.onStop(uninstall);
    return { ca, traefik, certManager, loadBalancer, hostMap, env: hostMapEnv(hostMap, path.join(standinsDist, "hostMap.js"), ca.caFile) };
}
