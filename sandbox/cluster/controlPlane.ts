// etcd + kube-apiserver + kube-controller-manager on loopback ports in a temp dir, as sandbox.md
// measured them: the garbage collector lets `destroy` finish (foreground deletion), the endpoints
// controllers let a Service await settle. Nothing else of a cluster runs: no kubelet, no Pods.
import { randomBytes, generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { KubeAccess, KubeApi } from "./kubeApi";
import { freePort, Supervisor, waitFor } from "./processes";

export interface ControlPlaneBinaries {
    readonly etcd: string;
    readonly kubeApiserver: string;
    readonly kubeControllerManager: string;
}

export interface ControlPlane extends KubeAccess {
    readonly kubeconfig: string;
    readonly api: KubeApi;
}

export interface ControlPlaneOptions {
    /** Names the processes' logs apart when one sandbox runs two control planes. */
    readonly label?: string;
    /**
     * Where ClusterIPs are allocated (default 10.96.0.0/16, an allocation range only). A range in
     * 127.0.0.0/8 makes every ClusterIP an address this machine can listen on, so the sandbox's
     * kube-proxy stand-in can serve Services at their ClusterIPs (NodePortProxy clusterIps).
     */
    readonly serviceClusterIpRange?: string;
}

export async function startControlPlane(sup: Supervisor, dir: string, bins: ControlPlaneBinaries, opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const label = opts.label ?? "";
    const name = (n: string) => (label ? `${label}-${n}` : n);
    fs.mkdirSync(dir, { recursive: true });
    const [etcdClient, etcdPeer, apiPort, kcmPort] = [await freePort(), await freePort(), await freePort(), await freePort()];

    const etcd = sup.start(name("etcd"), bins.etcd, [
        "--data-dir", path.join(dir, "etcd"),
        "--listen-client-urls", `http://127.0.0.1:${etcdClient}`,
        "--advertise-client-urls", `http://127.0.0.1:${etcdClient}`,
        "--listen-peer-urls", `http://127.0.0.1:${etcdPeer}`,
        "--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeer}`,
        "--initial-cluster", `default=http://127.0.0.1:${etcdPeer}`,
        "--log-level", "warn",
    ]);

    // Admin access by a static token; service-account tokens need one RSA key pair.
    const token = randomBytes(24).toString("hex");
    fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    fs.writeFileSync(path.join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });

    const apiserver = sup.start(name("kube-apiserver"), bins.kubeApiserver, [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--cert-dir=${path.join(dir, "certs")}`,
        `--token-auth-file=${path.join(dir, "tokens.csv")}`,
        "--authorization-mode=RBAC",
        `--service-account-key-file=${path.join(dir, "sa.pub")}`,
        `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
        "--service-account-issuer=https://kubernetes.default.svc",
        // An allocation range for ClusterIPs: traffic reaches them only where the sandbox serves them.
        `--service-cluster-ip-range=${opts.serviceClusterIpRange ?? "10.96.0.0/16"}`,
        "--service-node-port-range=30000-32767",
        // The sandbox has no nodes: the `kubernetes` Service's loopback endpoint is not reconciled.
        "--endpoint-reconciler-type=none",
        "--v=1",
    ]);

    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: sandbox",
        "  cluster:",
        `    server: ${server}`,
        // The API server wrote its own self-signed certificate; the sandbox trusts its loopback server.
        "    insecure-skip-tls-verify: true",
        "users:",
        "- name: admin",
        "  user:",
        `    token: ${token}`,
        "contexts:",
        "- name: sandbox",
        "  context: {cluster: sandbox, user: admin}",
        "current-context: sandbox",
        "",
    ].join("\n"), { mode: 0o600 });

    const api = new KubeApi({ server, token });
    sup.onStop(() => api.close());
    await waitFor("kube-apiserver /readyz", async () => {
        sup.assertRunning(etcd);
        sup.assertRunning(apiserver);
        const res = await api.request<string>("GET", "/readyz");
        return res.status === 200 ? true : undefined;
    }, 60000);

    const kcm = sup.start(name("kube-controller-manager"), bins.kubeControllerManager, [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        "--controllers=garbagecollector,namespace,serviceaccount,endpoint,endpointslice",
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${kcmPort}`,
        "--use-service-account-credentials=false",
        "--v=1",
    ]);
    const kcmHealth = new KubeApi({ server: `https://127.0.0.1:${kcmPort}`, token });
    try {
        await waitFor("kube-controller-manager /healthz", async () => {
            sup.assertRunning(kcm);
            const res = await kcmHealth.request<string>("GET", "/healthz");
            return res.status === 200 ? true : undefined;
        }, 60000);
    } finally {
        kcmHealth.close();
    }

    return { server, token, kubeconfig, api };
}
