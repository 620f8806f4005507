// Flux's three controllers as local processes against the sandbox API server, every address on
// loopback, leader election off; the CRDs from the controllers' own module zips.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ControlPlane } from "./controlPlane";
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
}

export function kubectl(cp: ControlPlane, args: readonly string[], input?: string): string {
    return execFileSync("kubectl", [...args], {
        env: { ...process.env, KUBECONFIG: cp.kubeconfig },
        input,
        stdio: ["pipe", "pipe", "pipe"],
        timeout: 120000,
    }).toString();
}

export async function startFlux(sup: Supervisor, cp: ControlPlane, dir: string, bins: FluxBinaries, namespace = "flux-system"): Promise<Flux> {
    // Server-side: the CRDs are too large for the last-applied annotation.
    kubectl(cp, ["apply", "--server-side", "-f", bins.crds]);
    kubectl(cp, ["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
    kubectl(cp, ["create", "namespace", namespace]);

    const env = { KUBECONFIG: cp.kubeconfig, RUNTIME_NAMESPACE: namespace };
    const addr = async () => `127.0.0.1:${await freePort()}`;
    const health = { source: await addr(), kustomize: await addr(), notification: await addr() };
    const storageAddr = await addr();
    const receiverAddr = await addr();
    fs.mkdirSync(path.join(dir, "storage"), { recursive: true });

    const started = [
        sup.start("source-controller", bins.sourceController, [
            `--storage-path=${path.join(dir, "storage")}`,
            `--storage-addr=${storageAddr}`,
            // kustomize-controller downloads artifacts from the advertised address.
            `--storage-adv-addr=${storageAddr}`,
            `--metrics-addr=${await addr()}`,
            `--health-addr=${health.source}`,
            "--log-encoding=console",
        ], env),
        sup.start("kustomize-controller", bins.kustomizeController, [
            `--metrics-addr=${await addr()}`,
            `--health-addr=${health.kustomize}`,
            "--log-encoding=console",
        ], env),
        sup.start("notification-controller", bins.notificationController, [
            `--receiverAddr=${receiverAddr}`,
            `--events-addr=${await addr()}`,
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
    return { namespace, receiverAddr };
}
