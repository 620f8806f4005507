// A minimal Kubernetes API client for the sandbox's own checks (the program uses the provider).
import * as https from "https";

export interface KubeAccess {
    readonly server: string;
    readonly token: string;
}

export class KubeApi {
    // The API server's serving certificate is self-signed: the sandbox talks to its own loopback server.
    private readonly agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });

    constructor(readonly access: KubeAccess) {}

    request<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; body: T }> {
        const url = new URL(path, this.access.server);
        const data = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(url, {
                method,
                agent: this.agent,
                headers: {
                    Authorization: `Bearer ${this.access.token}`,
                    Accept: "application/json",
                    ...(data ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(data) } : {}),
                },
            }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString();
                    let parsed: unknown = text;
                    try {
                        parsed = text ? JSON.parse(text) : undefined;
                    } catch {
                        // not JSON (e.g. /readyz): keep the text
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed as T });
                });
            });
            req.on("error", reject);
            req.setTimeout(10000, () => req.destroy(new Error(`${method} ${path} timed out`)));
            if (data) req.write(data);
            req.end();
        });
    }

    /** GET an object; undefined when it does not exist. */
    async get<T>(path: string): Promise<T | undefined> {
        const res = await this.request<T>("GET", path);
        if (res.status === 404) return undefined;
        if (res.status >= 300) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body;
    }

    /** A JSON merge patch, as `flux reconcile` and notification-controller annotate objects. */
    async mergePatch(path: string, patch: unknown): Promise<void> {
        const res = await this.request("PATCH", path, patch, "application/merge-patch+json");
        if (res.status >= 300) throw new Error(`PATCH ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }

    /**
     * Server-side apply of YAML documents, as `kubectl apply --server-side --force-conflicts` does:
     * each object is PATCHed with application/apply-patch+yaml to its own path (JSON is YAML).
     */
    async apply(documents: readonly AppliedObject[], fieldManager = "flux-push-sandbox"): Promise<void> {
        for (const doc of documents) {
            const path = objectPath(doc) + `?fieldManager=${fieldManager}&force=true`;
            const res = await this.request("PATCH", path, doc, "application/apply-patch+yaml");
            if (res.status >= 300) throw new Error(`apply ${doc.kind} ${doc.metadata.name}: ${res.status} ${JSON.stringify(res.body)}`);
        }
    }

    close(): void {
        this.agent.destroy();
    }
}

export interface AppliedObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string };
}

// The kinds the sandbox applies, and their resource names (no discovery needed for so few).
const plurals: Record<string, string> = {
    CustomResourceDefinition: "customresourcedefinitions",
    Namespace: "namespaces",
    Service: "services",
    Secret: "secrets",
    Receiver: "receivers",
    GitRepository: "gitrepositories",
    Kustomization: "kustomizations",
    ServiceAccount: "serviceaccounts",
    ClusterRole: "clusterroles",
    ClusterRoleBinding: "clusterrolebindings",
    IngressClass: "ingressclasses",
    Ingress: "ingresses",
    GatewayClass: "gatewayclasses",
    Gateway: "gateways",
    HTTPRoute: "httproutes",
    Issuer: "issuers",
    Certificate: "certificates",
};

/** The REST path of an object from its apiVersion, kind, namespace and name. */
export function objectPath(o: AppliedObject): string {
    const plural = plurals[o.kind];
    if (!plural) throw new Error(`the sandbox does not know the resource name of kind ${o.kind}`);
    const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    return `${base}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ""}/${plural}/${o.metadata.name}`;
}

/** Paths of the objects the sandbox reads. */
export const paths = {
    service: (ns: string, name: string) => `/api/v1/namespaces/${ns}/services/${name}`,
    services: (ns: string) => `/api/v1/namespaces/${ns}/services`,
    secret: (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`,
    deployment: (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
    receiver: (ns: string, name: string) => `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/${name}`,
    namespace: (name: string) => `/api/v1/namespaces/${name}`,
    alert: (ns: string, name: string) => `/apis/notification.toolkit.fluxcd.io/v1beta3/namespaces/${ns}/alerts/${name}`,
    provider: (ns: string, name: string) => `/apis/notification.toolkit.fluxcd.io/v1beta3/namespaces/${ns}/providers/${name}`,
    receivers: (ns: string) => `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers`,
    gitRepository: (ns: string, name: string) => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/${name}`,
    kustomization: (ns: string, name: string) => `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations/${name}`,
    ingress: (ns: string, name: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${name}`,
    httpRoute: (ns: string, name: string) => `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/${name}`,
    gateway: (ns: string, name: string) => `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/gateways/${name}`,
    certificate: (ns: string, name: string) => `/apis/cert-manager.io/v1/namespaces/${ns}/certificates/${name}`,
    issuer: (ns: string, name: string) => `/apis/cert-manager.io/v1/namespaces/${ns}/issuers/${name}`,
};
