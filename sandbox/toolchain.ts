// Where build.sh puts (or would put) each binary: it is the one place that knows the versions.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "..");
const buildScript = path.join(repoRoot, "sandbox", "toolchain", "build.sh");

export interface ToolchainPaths {
    readonly etcd: string;
    readonly kubeApiserver: string;
    readonly kubeControllerManager: string;
    readonly pulumi: string;
    readonly kubernetesProvider: string;
    readonly sourceController: string;
    readonly kustomizeController: string;
    readonly notificationController: string;
    /** The flux CLI (v2.9.5), for the seed's own commands against the sandbox. */
    readonly flux: string;
    readonly actionlint: string;
    readonly fluxCrds: string;
    readonly webhookReceiverService: string;
}

export function toolchainPaths(): ToolchainPaths {
    const lines = execFileSync("bash", [buildScript, "--paths"]).toString().trim().split("\n");
    const p = Object.fromEntries(lines.map((l) => l.split("=", 2) as [string, string]));
    return {
        etcd: p["etcd"],
        kubeApiserver: p["kube-apiserver"],
        kubeControllerManager: p["kube-controller-manager"],
        pulumi: p["pulumi"],
        kubernetesProvider: p["pulumi-resource-kubernetes"],
        sourceController: p["source-controller"],
        kustomizeController: p["kustomize-controller"],
        notificationController: p["notification-controller"],
        flux: p["flux"],
        actionlint: p["actionlint"],
        fluxCrds: p["flux-crds"],
        webhookReceiverService: p["webhook-receiver-service"],
    };
}

/** Names of what is not built yet; empty when the sandbox can start. */
export function missingTools(p: ToolchainPaths = toolchainPaths()): string[] {
    return Object.entries(p).filter(([, f]) => !fs.existsSync(f)).map(([k]) => k);
}

/** Builds what is missing (a no-op, in seconds, when everything is cached). */
export function buildToolchain(): void {
    execFileSync("bash", [buildScript], { stdio: "inherit" });
}
