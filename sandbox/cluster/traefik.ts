// Traefik v3.6 (real, built from its module) as the sandbox's ingress controller, out of cluster as
// Flux's controllers run: its Kubernetes Ingress provider and its Gateway API provider read the API
// server with an endpoint, a service-account token and the API server's CA of their own (the
// providers' endpoint/token/certAuthFilePath options), with the RBAC Traefik's docs give. Its
// entry points listen where a load balancer would send GitHub: <address>:443 (websecure) and
// <address>:80 (web, redirecting to https as many installations do), on a loopback address of its
// own (ports below 1024 need root, as a load balancer has its own address).
//
// Backends: the sandbox has no Pod, so a Service has no endpoint an ingress controller could dial
// (the API server refuses loopback EndpointSlice addresses). Traefik's nativeLB option sends
// traffic to the Service's ClusterIP instead (what a Service mesh or a plain kube-proxy setup
// does), which the sandbox's kube-proxy stand-in serves (control plane with a loopback service
// range, NodePortProxy clusterIps).
import * as fs from "fs";
import * as path from "path";
import { ControlPlane } from "./controlPlane";
import { yamlObjects } from "./flux";
import { freePort, Supervisor, waitFor } from "./processes";

export const TraefikNamespace = "traefik";
export const TraefikServiceAccount = "traefik";
/** IngressClass and GatewayClass names, with Traefik's controller names (its docs). */
export const TraefikIngressClass = { name: "traefik", controller: "traefik.io/ingress-controller" } as const;
export const TraefikGatewayClass = { name: "traefik", controllerName: "traefik.io/gateway-controller" } as const;

export interface Traefik {
    /** The loopback address its entry points listen on (ports 443 and 80). */
    readonly address: string;
    readonly websecurePort: 443;
    readonly webPort: 80;
    /** Its API (routers, services and their errors: /api/rawdata), on loopback, for diagnostics. */
    readonly apiUrl: string;
}

export interface TraefikOptions {
    readonly binary: string;
    /** Traefik's RBAC for its Gateway API provider, from its module zip (build.sh exposure-manifests). */
    readonly gatewayRbac: string;
    readonly address?: string;
}

// Traefik's RBAC for its Kubernetes Ingress provider, as its docs give it
// (docs/content/reference/routing-configuration/kubernetes/ingress.md, v3.6.12), with the nodes
// permission its v3 migration notes add "for NodePort support" (docs/content/migrate/v3.md): the
// provider waits for its Node cache to sync and serves nothing without it.
const ingressRbac = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "traefik-ingress-controller" },
    rules: [
        { apiGroups: [""], resources: ["services", "secrets", "nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["extensions", "networking.k8s.io"], resources: ["ingresses", "ingressclasses"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["extensions", "networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
    ],
};

interface Rbac { kind: string; metadata: { name: string }; roleRef?: { name: string }; subjects?: { kind: string; name: string; namespace: string }[] }

/** Starts Traefik against the control plane; stopped with the supervisor. */
export async function startTraefik(sup: Supervisor, cp: ControlPlane, dir: string, opts: TraefikOptions): Promise<Traefik> {
    const address = opts.address ?? "127.97.0.1";
    fs.mkdirSync(dir, { recursive: true });
    const subject = { kind: "ServiceAccount", name: TraefikServiceAccount, namespace: TraefikNamespace };
    const gateway = yamlObjects(fs.readFileSync(opts.gatewayRbac, "utf8")) as unknown as Rbac[];
    const bindings = [ingressRbac, ...gateway.filter((o) => o.kind === "ClusterRole")].map((role) => ({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: `sandbox-${role.metadata.name}` },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [subject],
    }));
    await cp.api.apply([
        { apiVersion: "v1", kind: "Namespace", metadata: { name: TraefikNamespace } },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: TraefikServiceAccount, namespace: TraefikNamespace } },
        ingressRbac,
        ...gateway.filter((o) => o.kind === "ClusterRole").map((o) => o as unknown as typeof ingressRbac),
        ...bindings,
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "IngressClass",
            // The cluster's default class, as Traefik's Helm chart can make it: an Ingress without
            // ingressClassName gets it from the API server (admission plugin DefaultIngressClass).
            metadata: { name: TraefikIngressClass.name, annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } },
            spec: { controller: TraefikIngressClass.controller },
        },
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "GatewayClass",
            metadata: { name: TraefikGatewayClass.name },
            spec: { controllerName: TraefikGatewayClass.controllerName },
        },
    ] as unknown as Parameters<typeof cp.api.apply>[0]);

    // A token of its own (TokenRequest), and the API server's CA: its self-signed serving
    // certificate file holds the serving certificate and the CA that signed it.
    const requested = await cp.api.request<{ status?: { token?: string } }>("POST", `/api/v1/namespaces/${TraefikNamespace}/serviceaccounts/${TraefikServiceAccount}/token`, {
        apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 86400 },
    });
    const token = requested.body?.status?.token;
    if (!token) throw new Error(`TokenRequest for ${TraefikNamespace}/${TraefikServiceAccount}: ${requested.status} ${JSON.stringify(requested.body)}`);
    const tokenFile = path.join(dir, "token");
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
    const caFile = path.join(dir, "apiserver-ca.crt");
    fs.copyFileSync(path.join(path.dirname(cp.kubeconfig), "certs", "apiserver.crt"), caFile);

    const ping = await freePort();
    const client = (provider: string) => [
        `--providers.${provider}.endpoint=${cp.server}`,
        `--providers.${provider}.token=${tokenFile}`,
        `--providers.${provider}.certAuthFilePath=${caFile}`,
        `--providers.${provider}.nativeLBByDefault=true`,
    ];
    const traefik = sup.start("traefik", opts.binary, [
        `--entryPoints.websecure.address=${address}:443`,
        // TLS on every router of websecure, as Traefik's Helm chart configures it by default: the
        // Ingress provider makes a router TLS only with this or the router.tls annotation, whatever
        // the Ingress's spec.tls says (spec.tls gives the certificates).
        "--entryPoints.websecure.http.tls=true",
        `--entryPoints.web.address=${address}:80`,
        "--entryPoints.web.http.redirections.entryPoint.to=websecure",
        "--entryPoints.web.http.redirections.entryPoint.scheme=https",
        `--entryPoints.traefik.address=127.0.0.1:${ping}`,
        "--ping=true",
        // Its read-only API on the same loopback port: what it built from the cluster, with errors.
        "--api=true",
        "--api.insecure=true",
        "--providers.kubernetesingress=true",
        ...client("kubernetesingress"),
        // It publishes its address in each Ingress's status.loadBalancer, as its Helm chart makes it
        // do (publishedService: its own LoadBalancer Service's address; here its address directly).
        // The kubernetes provider's Ingress await waits for that status (10 minutes, then fails).
        `--providers.kubernetesingress.ingressEndpoint.ip=${address}`,
        "--providers.kubernetesgateway=true",
        ...client("kubernetesgateway"),
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        `--log.level=${process.env.FLUX_PUSH_TRAEFIK_LOG ?? "INFO"}`,
        "--accesslog=true",
    ]);
    await waitFor("Traefik /ping", async () => {
        sup.assertRunning(traefik);
        const res = await fetch(`http://127.0.0.1:${ping}/ping`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
    }, 60000);
    return { address, websecurePort: 443, webPort: 80, apiUrl: `http://127.0.0.1:${ping}/api` };
}
