// Flux's three controllers as local processes against the sandbox API server, every address on
// loopback, leader election off; the CRDs from the controllers' own module zips.
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { ControlPlane } from "./controlPlane";
import { AppliedObject } from "./kubeApi";
import { freePort, Supervisor, waitFor } from "./processes";

export interface FluxBinaries {
    readonly sourceController: string;
    readonly kustomizeController: string;
    readonly notificationController: string;
    /** Directory of the controllers' CRDs (config/crd/bases of each module). */
    readonly crds: string;
}

export interface Flux {
    readonly namespace: string;
    /** Where notification-controller's receiver listens (what kube-proxy would forward to). */
    readonly receiverAddr: string;
    /** Where notification-controller takes events (what the other controllers post to). */
    readonly eventsAddr: string;
}

/** The objects of a multi-document YAML text. */
export function yamlObjects(text: string): AppliedObject[] {
    return parseAllDocuments(text).map((d) => d.toJSON() as AppliedObject | null).filter((o): o is AppliedObject => o !== null);
}

/** Installs Flux's CRDs (server-side: they are too large for client-side apply) and waits until they are served. */
export async function installCrds(cp: ControlPlane, crdDir: string, only: (file: string) => boolean = () => true): Promise<void> {
    const crds = fs.readdirSync(crdDir).filter((f) => f.endsWith(".yaml") && only(f)).sort().flatMap((f) => yamlObjects(fs.readFileSync(path.join(crdDir, f), "utf8")));
    await cp.api.apply(crds);
    await waitFor("Flux CRDs Established", async () => {
        for (const c of crds) {
            const got = await cp.api.get<{ status?: { conditions?: { type: string; status: string }[] } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c.metadata.name}`);
            if (!got?.status?.conditions?.some((x) => x.type === "Established" && x.status === "True")) return undefined;
        }
        return true;
    }, 60000);
}

/**
 * Flux 2.10's Alert and Provider CRDs (generated from notification-controller's api v1.10.0: v1 is
 * the storage version, v1beta3 still served) over Flux 2.9's, as an upgrade applies them: objects
 * stored as v1beta3 stay, and are served as both. Flux 2.9's notification-controller keeps reading
 * them as v1beta3 (the API server converts; the fields it reads are the same). The Receiver CRD
 * stays Flux 2.9's, which the running controller was built for. Waits until discovery lists both
 * kinds in notification.toolkit.fluxcd.io/v1, which is what the program's preflight reads.
 */
export async function installFlux210NotificationCrds(cp: ControlPlane, crdDir: string): Promise<void> {
    await installCrds(cp, crdDir, (f) => /_(alerts|providers)\.yaml$/.test(f));
    await waitFor("notification.toolkit.fluxcd.io/v1 to list Alert and Provider", async () => {
        const kinds = ((await cp.api.get<{ resources: { kind: string }[] }>("/apis/notification.toolkit.fluxcd.io/v1"))?.resources ?? []).map((r) => r.kind);
        return kinds.includes("Alert") && kinds.includes("Provider") ? true : undefined;
    }, 60000);
}

/** Creates a namespace (idempotent). */
export async function createNamespace(cp: ControlPlane, name: string): Promise<void> {
    await cp.api.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name } }]);
}

export async function startFlux(sup: Supervisor, cp: ControlPlane, dir: string, bins: FluxBinaries, namespace = "flux-system"): Promise<Flux> {
    await installCrds(cp, bins.crds);
    await createNamespace(cp, namespace);

    const env = { KUBECONFIG: cp.kubeconfig, RUNTIME_NAMESPACE: namespace };
    const addr = async () => `127.0.0.1:${await freePort()}`;
    const health = { source: await addr(), kustomize: await addr(), notification: await addr() };
    const storageAddr = await addr();
    const receiverAddr = await addr();
    // In a cluster the controllers post events to http://notification-controller.<ns>.svc/: here,
    // to its loopback address, so Alerts (commit statuses) see what kustomize-controller applied.
    const eventsAddr = await addr();
    fs.mkdirSync(path.join(dir, "storage"), { recursive: true });

    const started = [
        sup.start("source-controller", bins.sourceController, [
            `--storage-path=${path.join(dir, "storage")}`,
            `--storage-addr=${storageAddr}`,
            // kustomize-controller downloads artifacts from the advertised address.
            `--storage-adv-addr=${storageAddr}`,
            `--events-addr=http://${eventsAddr}/`,
            `--metrics-addr=${await addr()}`,
            `--health-addr=${health.source}`,
            "--log-encoding=console",
        ], env),
        sup.start("kustomize-controller", bins.kustomizeController, [
            `--events-addr=http://${eventsAddr}/`,
            `--metrics-addr=${await addr()}`,
            `--health-addr=${health.kustomize}`,
            "--log-encoding=console",
        ], env),
        sup.start("notification-controller", bins.notificationController, [
            `--receiverAddr=${receiverAddr}`,
            `--events-addr=${eventsAddr}`,
            `--metrics-addr=${await addr()}`,
            `--health-addr=${health.notification}`,
            "--log-encoding=console",
        ], env),
    ];
    await waitFor("Flux controllers /readyz", async () => {
        for (const s of started) sup.assertRunning(s);
        for (const h of Object.values(health)) {
            const res = await fetch(`http://${h}/readyz`).catch(() => undefined);
            if (res?.status !== 200) return undefined;
        }
        return true;
    }, 60000);
    return { namespace, receiverAddr, eventsAddr };
}
