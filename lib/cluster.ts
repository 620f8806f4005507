// A small, read-mostly Kubernetes client for what the program must know before it registers
// anything (is Flux installed, do the target namespaces exist, which object holds the NodePort).
// The kubernetes provider has no "get, or nothing if missing" function, and a provider read of a
// missing object fails after other resources may already have started; so the program asks the
// API server itself, with the same kubeconfig the provider uses (`kubernetes:kubeconfig`,
// `kubernetes:context`, else KUBECONFIG / ~/.kube/config, else the in-cluster service account).
import { execFile } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

function parseYaml(text: string): unknown {
    return parse(text);
}

export interface ApiResponse {
    /** HTTP status; 0 when the API server could not be reached. */
    readonly status: number;
    readonly body: unknown;
    /** The connection error, when status is 0. */
    readonly error?: string;
}

/** What the program needs from a cluster: reads, and one kind of write (the NodePort handover). */
export interface ClusterClient {
    /** Where it points, for messages ("https://host:6443 (context prod)"). */
    readonly description: string;
    get(apiPath: string): Promise<ApiResponse>;
    /**
     * A patch recorded under the field manager `flux-push`: strategic-merge for built-in kinds,
     * JSON merge for custom resources (which have no strategic-merge schema).
     */
    patch(apiPath: string, body: unknown, kind?: "strategic" | "merge"): Promise<ApiResponse>;
}

interface KubeconfigFile {
    "current-context"?: string;
    contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
    clusters?: { name: string; cluster: { server: string; "certificate-authority"?: string; "certificate-authority-data"?: string; "insecure-skip-tls-verify"?: boolean; "tls-server-name"?: string } }[];
    users?: { name: string; user: KubeUser }[];
}

interface KubeUser {
    token?: string;
    tokenFile?: string;
    "client-certificate"?: string;
    "client-certificate-data"?: string;
    "client-key"?: string;
    "client-key-data"?: string;
    username?: string;
    password?: string;
    exec?: { command: string; args?: string[]; env?: { name: string; value: string }[] | null; apiVersion?: string };
    "auth-provider"?: { name: string };
}

/** Where to find the kubeconfig: the kubernetes provider's own settings first. */
export interface KubeconfigSource {
    /** `kubernetes:kubeconfig`: a path, or the kubeconfig's YAML/JSON content. */
    readonly kubeconfig?: string;
    /** `kubernetes:context`. */
    readonly context?: string;
    readonly env?: NodeJS.ProcessEnv;
}

interface Target {
    server: URL;
    agent: https.Agent;
    headers: () => Promise<Record<string, string>>;
    description: string;
}

function readFileRelative(file: string, base: string): Buffer {
    return fs.readFileSync(path.isAbsolute(file) ? file : path.join(base, file));
}

function b64(v: string): Buffer {
    return Buffer.from(v, "base64");
}

/** Runs a client-go credential plugin (EKS, GKE, AKS, OIDC logins) and returns its ExecCredential status. */
function execCredential(exec: NonNullable<KubeUser["exec"]>, env: NodeJS.ProcessEnv): Promise<{ token?: string; clientCertificateData?: string; clientKeyData?: string }> {
    return new Promise((resolve, reject) => {
        const extra = Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value]));
        execFile(exec.command, exec.args ?? [], { env: { ...env, ...extra }, timeout: 60000 }, (err, stdout) => {
            if (err) return reject(new Error(`kubeconfig credential plugin ${exec.command} failed: ${err.message}`));
            try {
                resolve((JSON.parse(stdout) as { status?: { token?: string; clientCertificateData?: string; clientKeyData?: string } }).status ?? {});
            } catch {
                reject(new Error(`kubeconfig credential plugin ${exec.command} printed no ExecCredential JSON`));
            }
        });
    });
}

function fromKubeconfig(text: string, base: string, context: string | undefined, env: NodeJS.ProcessEnv, origin: string): Target {
    const kc = parseYaml(text) as KubeconfigFile;
    const ctxName = context || kc["current-context"];
    const ctx = kc.contexts?.find((c) => c.name === ctxName);
    if (!ctx) throw new Error(`kubeconfig ${origin} has no context ${JSON.stringify(ctxName ?? "")} (set kubernetes:context, or its current-context)`);
    const cluster = kc.clusters?.find((c) => c.name === ctx.context.cluster)?.cluster;
    const user = kc.users?.find((u) => u.name === ctx.context.user)?.user ?? {};
    if (!cluster) throw new Error(`kubeconfig ${origin}: context ${ctxName} names cluster ${ctx.context.cluster}, which it does not define`);
    if (user["auth-provider"]) {
        throw new Error(`kubeconfig ${origin}: user ${ctx.context.user} uses the removed auth-provider ${user["auth-provider"].name}; switch to its exec credential plugin (e.g. gke-gcloud-auth-plugin, kubelogin)`);
    }
    const ca = cluster["certificate-authority-data"] ? b64(cluster["certificate-authority-data"]) : cluster["certificate-authority"] ? readFileRelative(cluster["certificate-authority"], base) : undefined;
    const cert = user["client-certificate-data"] ? b64(user["client-certificate-data"]) : user["client-certificate"] ? readFileRelative(user["client-certificate"], base) : undefined;
    const key = user["client-key-data"] ? b64(user["client-key-data"]) : user["client-key"] ? readFileRelative(user["client-key"], base) : undefined;
    const insecure = cluster["insecure-skip-tls-verify"] === true;
    let execCache: Promise<{ token?: string; clientCertificateData?: string; clientKeyData?: string }> | undefined;
    const execResult = user.exec ? (execCache ??= execCredential(user.exec, env)) : undefined;
    const agentFor = (c?: Buffer, k?: Buffer) => new https.Agent({ ca, cert: c, key: k, rejectUnauthorized: !insecure, servername: cluster["tls-server-name"], keepAlive: true });
    let agent = agentFor(cert, key);
    return {
        server: new URL(cluster.server),
        get agent() {
            return agent;
        },
        headers: async () => {
            if (user.token) return { Authorization: `Bearer ${user.token}` };
            if (user.tokenFile) return { Authorization: `Bearer ${readFileRelative(user.tokenFile, base).toString().trim()}` };
            if (user.username && user.password) return { Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}` };
            if (execResult) {
                const s = await execResult;
                if (s.clientCertificateData && s.clientKeyData) agent = agentFor(Buffer.from(s.clientCertificateData), Buffer.from(s.clientKeyData));
                return s.token ? { Authorization: `Bearer ${s.token}` } : {};
            }
            return {};
        },
        description: `${cluster.server} (context ${ctxName}, kubeconfig ${origin})`,
    } as Target;
}

function resolveTarget(src: KubeconfigSource): Target {
    const env = src.env ?? process.env;
    if (src.kubeconfig) {
        const looksLikeContent = /^\s*(apiVersion|kind|clusters|contexts|users|current-context|\{)/m.test(src.kubeconfig) && src.kubeconfig.includes("\n");
        if (looksLikeContent || src.kubeconfig.trimStart().startsWith("{")) {
            return fromKubeconfig(src.kubeconfig, process.cwd(), src.context, env, "from kubernetes:kubeconfig");
        }
        return fromKubeconfig(fs.readFileSync(src.kubeconfig, "utf8"), path.dirname(src.kubeconfig), src.context, env, src.kubeconfig);
    }
    const files = (env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f !== "" && fs.existsSync(f));
    const file = files[0] ?? path.join(os.homedir(), ".kube", "config");
    if (fs.existsSync(file)) return fromKubeconfig(fs.readFileSync(file, "utf8"), path.dirname(file), src.context, env, file);
    if (env.KUBERNETES_SERVICE_HOST) {
        // In a Pod: the service account, as client-go's in-cluster config reads it.
        const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
        const host = env.KUBERNETES_SERVICE_HOST.includes(":") ? `[${env.KUBERNETES_SERVICE_HOST}]` : env.KUBERNETES_SERVICE_HOST;
        return {
            server: new URL(`https://${host}:${env.KUBERNETES_SERVICE_PORT ?? "443"}`),
            agent: new https.Agent({ ca: fs.readFileSync(path.join(sa, "ca.crt")), keepAlive: true }),
            headers: async () => ({ Authorization: `Bearer ${fs.readFileSync(path.join(sa, "token"), "utf8").trim()}` }),
            description: "the in-cluster service account",
        };
    }
    throw new Error("no kubeconfig: set kubernetes:kubeconfig (or KUBECONFIG), as the kubernetes provider needs too");
}

function request(t: Target, method: string, apiPath: string, body?: unknown, contentType?: string): Promise<ApiResponse> {
    return t.headers().then((auth) => new Promise<ApiResponse>((resolve) => {
        const url = new URL(apiPath, t.server);
        const data = body === undefined ? undefined : JSON.stringify(body);
        const req = https.request(url, {
            method,
            agent: t.agent,
            timeout: 30000,
            headers: { Accept: "application/json", "User-Agent": "flux-push", ...auth, ...(data ? { "Content-Type": contentType ?? "application/json", "Content-Length": Buffer.byteLength(data) } : {}) },
        }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString();
                let parsed: unknown = text;
                try {
                    parsed = text ? JSON.parse(text) : undefined;
                } catch {
                    // not JSON: keep the text for the message
                }
                resolve({ status: res.statusCode ?? 0, body: parsed });
            });
        });
        req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
        req.on("error", (err) => resolve({ status: 0, body: undefined, error: err.message }));
        req.end(data);
    }));
}

/** A client for the cluster the kubernetes provider would talk to. */
export function clusterClient(src: KubeconfigSource): ClusterClient {
    let target: Target | undefined;
    const t = () => (target ??= resolveTarget(src));
    return {
        get description() {
            return t().description;
        },
        get: (apiPath) => request(t(), "GET", apiPath),
        patch: (apiPath, body, kind = "strategic") => request(t(), "PATCH", `${apiPath}${apiPath.includes("?") ? "&" : "?"}fieldManager=flux-push`, body,
            kind === "merge" ? "application/merge-patch+json" : "application/strategic-merge-patch+json"),
    };
}

/** API paths the program reads. */
export const apiPaths = {
    groupVersion: (group: string, version: string) => `/apis/${group}/${version}`,
    namespace: (name: string) => `/api/v1/namespaces/${name}`,
    service: (ns: string, name: string) => `/api/v1/namespaces/${ns}/services/${name}`,
    secret: (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`,
    gitRepository: (ns: string, name: string) => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/${name}`,
    receiver: (ns: string, name: string) => `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/${name}`,
    kustomization: (ns: string, name: string) => `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations/${name}`,
    /** The events about one object (core v1 Events, where the service controller's also show). */
    eventsFor: (ns: string, kind: string, name: string) => `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.kind=${kind},involvedObject.name=${name}`)}`,
    httpRoute: (ns: string, name: string) => `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/${name}`,
};
