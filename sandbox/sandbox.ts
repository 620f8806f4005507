// The local sandbox: a control plane, Flux's three controllers, a Git server with the guide's
// repositories, a GitHub API stand-in and a kube-proxy stand-in, all on loopback in one temp dir.
// Everything started here is stopped by `stop()`, on success, failure and Ctrl-C alike.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { ControlPlane, startControlPlane } from "./cluster/controlPlane";
import { Flux, installFlux210NotificationCrds, startFlux, yamlObjects } from "./cluster/flux";
import { paths } from "./cluster/kubeApi";
import { NodePortProxy } from "./cluster/nodePortProxy";
import { ServiceProxy } from "./cluster/serviceProxy";
import { Supervisor, waitFor } from "./cluster/processes";
import { GitHubActions, Runner } from "./standins/githubActions";
import { GitHubApi } from "./standins/githubApi";
import { createRepository, fluxInfraFiles, git as runGit, GitServer, instavoteFiles, startGitServer } from "./standins/gitServer";
import { buildStandins, kubernetesProviderProvenance, missingExposureTools, missingTools, pluginSearchPath, toolchainPaths, ToolchainPaths } from "./toolchain";
import { Exposures, LoopbackServiceRange, startExposures } from "./exposures";

export const SandboxOwner = "sandbox-org";
/** The Actions stand-in's one runner: a self-hosted runner "inside the cluster" (it reaches webhook-receiver.<ns>.svc). */
export const SandboxRunner: Runner = { name: "sandbox-cluster-runner", labels: ["self-hosted", "linux", "sandbox-cluster"] };

export interface Sandbox {
    readonly dir: string;
    readonly tools: ToolchainPaths;
    readonly controlPlane: ControlPlane;
    readonly flux: Flux;
    readonly git: GitServer;
    readonly github: GitHubApi;
    /** GitHub Actions (runs, jobs, the OIDC issuer) on the GitHub stand-in's host. */
    readonly actions: GitHubActions;
    readonly githubToken: string;
    /**
     * A GitHub App installed on the sandbox's owner with every permission the stack can use
     * (Webhooks, Commit statuses, Contents, Workflows, Actions: write), and its first private key;
     * the App suite runs the stack with it and no token (stack.ts sandboxStack, auth "app").
     */
    readonly githubApp: { readonly id: number; readonly installationId: number; readonly privateKey: string; readonly keyId: number };
    readonly proxy: NodePortProxy;
    /** With `exposures`: the ingress controller, cert-manager, the load-balancer stand-in, the CA and host map. */
    readonly exposures?: Exposures;
    readonly repositories: { readonly instavote: string; readonly fluxInfra: string };
    /** Environment for the Pulumi CLI and its plugins (PATH, KUBECONFIG, state backend). */
    readonly pulumiEnv: Record<string, string>;
    readonly timings: Record<string, number>;
    log(message: string): void;
    /** Another control plane, without Flux, stopped with the sandbox (for "a cluster without Flux"). */
    startBareCluster(): Promise<ControlPlane>;
    /** Work to do before anything stops, on every path (success, failure, Ctrl-C). */
    beforeStop(fn: () => Promise<void> | void): void;
    stop(): Promise<void>;
}

export interface SandboxOptions {
    /** Keep the temp dir after stop (logs, state) for inspection. */
    readonly keep?: boolean;
    readonly quiet?: boolean;
    /**
     * "2.10": Flux 2.10's Alert and Provider CRDs (served as notification.toolkit.fluxcd.io/v1 and
     * v1beta3) over Flux 2.9's, with Flux 2.9's controllers (2.10's notification-controller cannot
     * be had here). Default "2.9": v1beta3 only.
     */
    readonly notificationCrds?: "2.9" | "2.10";
    /**
     * The real parts production exposures stand on (sandbox/exposures.ts): Traefik, cert-manager,
     * the Gateway API CRDs, a load-balancer stand-in; ClusterIPs on loopback, served by the
     * kube-proxy stand-in. Binds ports 80 and 443 on loopback addresses: needs root.
     */
    readonly exposures?: boolean;
}

/** The flux CLI as a user runs it against the sandbox's cluster, in `namespace`: its progress (stderr) and tables (stdout). */
export async function fluxCli(sb: Sandbox, namespace: string, ...args: string[]): Promise<string> {
    const out = await promisify(execFile)(sb.tools.flux, [...args, "--namespace", namespace], { env: { ...process.env, KUBECONFIG: sb.controlPlane.kubeconfig } });
    return out.stdout + out.stderr;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
    const tools = toolchainPaths();
    const missing = [...missingTools(tools), ...(opts.exposures ? missingExposureTools(tools) : [])];
    if (missing.length > 0) {
        throw new Error(`the sandbox toolchain is not built (${missing.join(", ")}); run: bash sandbox/toolchain/build.sh`);
    }
    if (opts.exposures && typeof process.getuid === "function" && process.getuid() !== 0) {
        throw new Error("the exposures sandbox listens on ports 80 and 443 of loopback addresses (the ingress controller, the load balancers, ClusterIPs), as a load balancer and kube-proxy do: run it as root");
    }
    // The engine runs the compiled stand-in providers (sandbox/bin): build them if missing or stale.
    if (await buildStandins() && !opts.quiet) console.log("[sandbox] built the stand-in providers (npm run build:standins)");
    if (!opts.quiet) console.log(`[sandbox] ${kubernetesProviderProvenance()}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flux-push-sandbox-"));
    const sup = new Supervisor(path.join(dir, "logs"));
    const timings: Record<string, number> = {};
    const log = (m: string) => {
        if (!opts.quiet) console.log(`[sandbox] ${m}`);
    };
    const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        const t = Date.now();
        const v = await fn();
        timings[what] = (Date.now() - t) / 1000;
        log(`${what}: ${timings[what].toFixed(1)} s`);
        return v;
    };
    sup.onStop(() => {
        if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
    });

    try {
        const cp = await timed("control plane", () => startControlPlane(sup, path.join(dir, "cluster"), {
            etcd: tools.etcd, kubeApiserver: tools.kubeApiserver, kubeControllerManager: tools.kubeControllerManager,
        }, opts.exposures ? { serviceClusterIpRange: LoopbackServiceRange } : {}));
        const flux = await timed("flux controllers", () => startFlux(sup, cp, path.join(dir, "flux"), {
            sourceController: tools.sourceController, kustomizeController: tools.kustomizeController,
            notificationController: tools.notificationController, crds: tools.fluxCrds,
        }));
        if (opts.notificationCrds === "2.10") {
            await timed("flux 2.10 Alert and Provider CRDs", () => installFlux210NotificationCrds(cp, tools.flux210NotificationCrds));
        }

        const git = await startGitServer(path.join(dir, "git"));
        sup.onStop(() => git.close());
        const fluxInfra = await createRepository(git, "flux-infra", fluxInfraFiles(fs.readFileSync(tools.webhookReceiverService, "utf8")));
        const instavote = await createRepository(git, "instavote", instavoteFiles());

        // What `flux bootstrap` leaves behind: flux-system's GitRepository and Kustomization, which
        // apply Flux's own manifests (here: the webhook-receiver Service) from Git.
        await timed("flux-system bootstrap", async () => {
            await cp.api.apply(yamlObjects(bootstrapManifest(flux.namespace, fluxInfra)));
            // As `flux bootstrap` ends with `flux reconcile ... --with-source`: if the first
            // reconcile is missed (seen once in a clean-clone CI run: nothing applied within 60 s,
            // the Kustomization's next try only after its 10m interval), ask again every 15 s.
            let lastNudge = Date.now();
            await waitFor("flux-system Kustomization to apply webhook-receiver", async () => {
                const svc = await cp.api.get<{ spec: { type: string } }>(paths.service(flux.namespace, "webhook-receiver"));
                if (svc?.spec.type === "ClusterIP") return true;
                if (Date.now() - lastNudge > 15000) {
                    lastNudge = Date.now();
                    const at = { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } };
                    await cp.api.mergePatch(paths.gitRepository(flux.namespace, "flux-system"), at);
                    await cp.api.mergePatch(paths.kustomization(flux.namespace, "flux-system"), at);
                    log("flux-system not applied yet: requested a reconcile of its GitRepository and Kustomization");
                }
                return undefined;
            }, 90000);
        });

        const githubToken = "ghp_sandbox" + Math.random().toString(36).slice(2);
        // GitHub knows the repositories and their commits: hooks and statuses for anything else answer 404 / 422.
        // Every sandbox address is loopback, which GitHub.com refuses (127.0.0.1) or cannot reach:
        // the sandbox is a GitHub Enterprise Server on the same private network. Its `url` is the host
        // root (what github:baseUrl is set to, the provider's documented form); REST is at `apiUrl`.
        const github = await GitHubApi.start({
            flavor: "ghes",
            token: githubToken,
            repositories: [{ owner: SandboxOwner, name: "instavote" }, { owner: SandboxOwner, name: "flux-infra" }],
        });
        sup.onStop(() => github.close());
        const app = github.createApp("flux-push-sandbox", { repository_hooks: "write", statuses: "write", contents: "write", workflows: "write", actions: "write" }, SandboxOwner);
        const githubApp = { id: app.app.id, installationId: github.apps.install(app.app.id, SandboxOwner).id, privateKey: app.privateKey, keyId: app.keyId };
        for (const [name, url] of [["instavote", instavote], ["flux-infra", fluxInfra]]) {
            const head = (await runGit(dir, ["ls-remote", url, "refs/heads/main"])).split("\t")[0];
            github.addCommit(SandboxOwner, name, head, "main");
        }

        // GitHub Actions on the same host (issue 17), its runner reaching the cluster's Service names
        // through the cluster-network stand-in; the real flux CLI stands in for fluxcd/flux2/action.
        const serviceProxy = await ServiceProxy.start(cp.api, flux.namespace, flux.receiverAddr);
        sup.onStop(() => serviceProxy.close());
        const actions = await GitHubActions.start({
            github,
            gitRepository: (_owner, name) => (fs.existsSync(path.join(git.root, `${name}.git`)) ? path.join(git.root, `${name}.git`) : undefined),
            fluxCli: tools.flux,
            fluxVersion: /flux-v([0-9.]+)/.exec(tools.flux)?.[1] ?? "2.9.5",
            runners: [SandboxRunner],
            dir: path.join(dir, "actions"),
            runnerEnv: serviceProxy.env(),
        });
        actions.addToken(githubToken, { actions: "write", contents: "write", workflows: "write" });
        sup.onStop(() => actions.close());

        const proxy = new NodePortProxy(cp.api, flux.namespace, flux.receiverAddr, { clusterIps: opts.exposures === true });
        proxy.start();
        sup.onStop(() => proxy.stop());
        const exposures = opts.exposures ? await timed("exposures (Traefik, cert-manager, load balancers)", () => startExposures(sup, cp, github, tools.exposures, path.join(dir, "exposures"))) : undefined;

        const pulumiHome = path.join(dir, "pulumi-home");
        const state = path.join(dir, "state");
        fs.mkdirSync(pulumiHome, { recursive: true });
        fs.mkdirSync(state, { recursive: true });
        // The kubernetes provider copies kubernetes:kubeconfig into a temp file at every Configure and
        // never removes it (pulumi-kubernetes provider/pkg/provider/util.go writeKubeconfigToFile, for
        // Helm): its temp files go under the sandbox's directory, which stop() removes.
        const tmp = path.join(dir, "tmp");
        fs.mkdirSync(tmp, { recursive: true });
        const pulumiEnv: Record<string, string> = {
            TMPDIR: tmp,
            PATH: pluginSearchPath(tools),
            PULUMI_HOME: pulumiHome,
            PULUMI_BACKEND_URL: `file://${state}`,
            PULUMI_CONFIG_PASSPHRASE: "sandbox-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "1",
            // A missing plugin fails at once instead of trying to download it.
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            KUBECONFIG: cp.kubeconfig,
            // No GITHUB_* here: the github provider reads github:owner, github:baseUrl and github:token
            // from the stack's configuration (stack.ts), as the real one does.
        };

        return {
            dir, tools, controlPlane: cp, flux, git, github, actions, githubToken, githubApp, proxy, ...(exposures ? { exposures } : {}),
            repositories: { instavote, fluxInfra }, pulumiEnv, timings, log,
            startBareCluster: () => startControlPlane(sup, path.join(dir, "bare-cluster"), {
                etcd: tools.etcd, kubeApiserver: tools.kubeApiserver, kubeControllerManager: tools.kubeControllerManager,
            }, { label: "bare" }),
            beforeStop: (fn) => sup.beforeStop(fn),
            stop: () => sup.stopAll(),
        };
    } catch (err) {
        await sup.stopAll();
        throw err;
    }
}

function bootstrapManifest(namespace: string, url: string): string {
    return `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: ${namespace}
spec:
  interval: 1m0s
  ref:
    branch: main
  url: ${url}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: ${namespace}
spec:
  interval: 10m0s
  path: ./clusters/sandbox/flux-system
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`;
}
