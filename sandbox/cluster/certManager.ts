// cert-manager v1.21.2 in the sandbox: its CRDs (from its module zip) and its own controllers (its
// pkg/controller packages, built with the small main of sandbox/toolchain/modules/
// cert-manager-controller: upstream's main package cannot be had here, that file says why), run out
// of cluster with the sandbox's kubeconfig and no leader election. Issuers that need no network:
// a CA Issuer (the sandbox CA, standing for a public CA GitHub trusts) and a SelfSigned one. No
// webhook runs (admission defaulting and validation): the objects below set what they need.
import * as fs from "fs";
import { ControlPlane } from "./controlPlane";
import { installCrds } from "./flux";
import { paths } from "./kubeApi";
import { Supervisor, waitFor } from "./processes";

export interface CertManagerOptions {
    readonly binary: string;
    /** cert-manager's CRDs (deploy/crds of its module zip; build.sh exposure-manifests). */
    readonly crds: string;
}

interface Condition { type: string; status: string; reason?: string; message?: string }
interface WithConditions { status?: { conditions?: Condition[] } }
const ready = (o: WithConditions | undefined) => o?.status?.conditions?.find((c) => c.type === "Ready");

export class CertManager {
    private constructor(private readonly cp: ControlPlane) {}

    static async start(sup: Supervisor, cp: ControlPlane, opts: CertManagerOptions): Promise<CertManager> {
        await installCrds(cp, opts.crds);
        await cp.api.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "cert-manager" } }]);
        // No listener of its own (the metrics and healthz servers are left out): its log says when
        // the controllers run (klog writes to stderr, which the supervisor logs).
        const proc = sup.start("cert-manager-controller", opts.binary, [`--kubeconfig=${cp.kubeconfig}`, "--cluster-resource-namespace=cert-manager", "--v=2"]);
        await waitFor("cert-manager's controllers to start", async () => {
            sup.assertRunning(proc);
            return fs.readFileSync(proc.log, "utf8").includes("cert-manager controllers started") ? true : undefined;
        }, 60000);
        return new CertManager(cp);
    }

    /** A CA Issuer in `namespace` signing with `ca` (its Secret holds tls.crt and tls.key, as cert-manager's docs show). */
    async caIssuer(namespace: string, name: string, ca: { cert: string; key: string }): Promise<void> {
        await this.cp.api.apply([
            { apiVersion: "v1", kind: "Secret", metadata: { name: `${name}-ca`, namespace }, type: "kubernetes.io/tls", stringData: { "tls.crt": ca.cert, "tls.key": ca.key } },
            { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name, namespace }, spec: { ca: { secretName: `${name}-ca` } } },
        ] as unknown as Parameters<ControlPlane["api"]["apply"]>[0]);
        await this.waitReady("Issuer", paths.issuer(namespace, name));
    }

    /** A SelfSigned Issuer: each certificate signs itself (what insecureSsl is for). */
    async selfSignedIssuer(namespace: string, name: string): Promise<void> {
        await this.cp.api.apply([
            { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name, namespace }, spec: { selfSigned: {} } },
        ] as unknown as Parameters<ControlPlane["api"]["apply"]>[0]);
        await this.waitReady("Issuer", paths.issuer(namespace, name));
    }

    /** A Certificate for `dnsNames` into Secret `secretName`, issued by Issuer `issuer`; waits until Ready. */
    async certificate(namespace: string, name: string, spec: { readonly secretName: string; readonly dnsNames: readonly string[]; readonly issuer: string }): Promise<void> {
        await this.cp.api.apply([{
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name, namespace },
            spec: {
                secretName: spec.secretName,
                dnsNames: [...spec.dnsNames],
                issuerRef: { name: spec.issuer, kind: "Issuer", group: "cert-manager.io" },
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                usages: ["digital signature", "key encipherment", "server auth"],
            },
        }] as unknown as Parameters<ControlPlane["api"]["apply"]>[0]);
        await this.waitReady("Certificate", paths.certificate(namespace, name));
    }

    private async waitReady(kind: string, path: string): Promise<void> {
        let last: Condition | undefined;
        await waitFor(`${kind} ${path} Ready`, async () => {
            last = ready(await this.cp.api.get<WithConditions>(path));
            return last?.status === "True" ? true : undefined;
        }, 60000, 200).catch((e: Error) => {
            throw new Error(`${e.message} (last Ready condition: ${JSON.stringify(last)})`);
        });
    }
}
