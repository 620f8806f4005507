// The Actions trigger against the real tools the sandbox builds (no cluster needed): the flux CLI
// v2.9.5 posts exactly to the path lib/oidc.ts computes, fetches its token the way the Actions
// stand-in serves it, and actionlint (with shellcheck) finds nothing in the generated workflows.
// The generated files are linted here, not by .ci/run's actionlint step: they live in the users'
// application repositories, never in this one's .github/workflows.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { inClusterReceiverUrl } from "../../lib/actionsConfig";
import { oidcWebhookPath } from "../../lib/oidc";
import { renderWorkflow, WorkflowSpec } from "../../lib/workflow";
import { toolchainPaths } from "../toolchain";

interface Got { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

/** A server recording requests, answering `status` (and `body`). */
async function recorder(status: number, body = ""): Promise<{ url: string; got: Got[]; close: () => Promise<void> }> {
    const got: Got[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            got.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
            res.writeHead(status, { "Content-Type": "application/json" }).end(body);
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        got,
        close: () => new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
        }),
    };
}

function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
        execFile(bin, args, { env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env }, timeout: 60000 }, (err, stdout, stderr) => {
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
        });
    });
}

describe("the Actions trigger and the real flux CLI (v2.9.5) and actionlint", function () {
    this.timeout(120000);
    const tools = toolchainPaths();

    it("flux trigger receiver --type=generic-oidc posts the token to /hook/ + sha256(\"\" + name + namespace)", async () => {
        const receiver = await recorder(200);
        try {
            const r = await run(tools.flux, ["trigger", "receiver", "instavote-actions", "--namespace=flux-system", "--type=generic-oidc", "--oidc-token=header.payload.sig", `--url=${receiver.url}`, "--retries=0"]);
            assert.strictEqual(r.code, 0, r.out);
            assert.strictEqual(receiver.got.length, 1);
            assert.strictEqual(receiver.got[0].url, oidcWebhookPath("instavote-actions", "flux-system"));
            assert.strictEqual(receiver.got[0].headers.authorization, "Bearer header.payload.sig");
            assert.strictEqual(receiver.got[0].body, "{}");
        } finally {
            await receiver.close();
        }
    });

    it("with --oidc-provider=github it asks ACTIONS_ID_TOKEN_REQUEST_URL for the audience (bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN), as the Actions stand-in serves it", async () => {
        const tokens = await recorder(200, JSON.stringify({ value: "minted.jwt.here" }));
        const receiver = await recorder(200);
        try {
            const r = await run(tools.flux, ["trigger", "receiver", "r", "--namespace=ns", "--type=generic-oidc", "--oidc-provider=github", "--oidc-audience=flux-prod", `--url=${receiver.url}`, "--retries=0"], {
                ACTIONS_ID_TOKEN_REQUEST_URL: `${tokens.url}/_services/pipelines/x/idtoken?api-version=2.0`,
                ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-token",
            });
            assert.strictEqual(r.code, 0, r.out);
            const asked = new URL(tokens.got[0].url, tokens.url);
            assert.deepStrictEqual({ path: asked.pathname, api: asked.searchParams.get("api-version"), audience: asked.searchParams.get("audience") }, { path: "/_services/pipelines/x/idtoken", api: "2.0", audience: "flux-prod" });
            assert.strictEqual(tokens.got[0].headers.authorization, "bearer request-token");
            assert.strictEqual(receiver.got[0].headers.authorization, "Bearer minted.jwt.here");
        } finally {
            await tokens.close();
            await receiver.close();
        }
    });

    it("without the token request variables (no id-token: write) it fails, naming the permission", async () => {
        const r = await run(tools.flux, ["trigger", "receiver", "r", "--type=generic-oidc", "--oidc-provider=github", "--url=http://127.0.0.1:1", "--retries=0"]);
        assert.notStrictEqual(r.code, 0);
        assert.match(r.out, /ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN must be set in the environment; ensure the Actions job has the 'id-token: write' permission/);
    });

    it("actionlint (v1.7.12, with shellcheck) finds nothing in the generated workflows: one cluster, a fleet, a custom audience, every branch", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oidc-actionlint-"));
        try {
            const base: WorkflowSpec = {
                repositoryName: "instavote", path: ".github/workflows/flux-push.yml", branch: "main", receiverName: "instavote-actions", namespace: "flux-system",
                audience: "notification-controller", runners: [{ job: "staging", runsOn: ["self-hosted", "linux", "staging"], receiverUrl: inClusterReceiverUrl("flux-system") }],
            };
            const variants: Record<string, WorkflowSpec> = {
                "single.yml": base,
                "fleet.yml": { ...base, runners: [...base.runners, { job: "production", runsOn: ["arc-prod"], receiverUrl: "https://flux.prod.example.com" }, { job: "edge_01", runsOn: ["edge"], receiverUrl: inClusterReceiverUrl("gitops") }] },
                "audience.yml": { ...base, audience: "flux-prod", branch: "release+1" },
                "every-branch.yml": { ...base, branch: undefined },
            };
            const workflows = path.join(dir, ".github", "workflows");
            fs.mkdirSync(workflows, { recursive: true });
            for (const [f, s] of Object.entries(variants)) fs.writeFileSync(path.join(workflows, f), renderWorkflow(s));
            // The runner labels are self-hosted ones: declared as actionlint expects, like a repository's own config would.
            fs.writeFileSync(path.join(dir, ".github", "actionlint.yaml"), "self-hosted-runner:\n  labels: [staging, arc-prod, edge]\n");
            const r = await new Promise<{ code: number; out: string }>((resolve) => {
                execFile(tools.actionlint, ["-no-color", "-config-file", path.join(".github", "actionlint.yaml"), ...Object.keys(variants).map((f) => path.join(".github", "workflows", f))], { cwd: dir, timeout: 60000 }, (err, stdout, stderr) => {
                    resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
                });
            });
            assert.strictEqual(r.code, 0, r.out);
            assert.strictEqual(r.out.trim(), "");
            // And it does find a broken one (so a clean result means something).
            fs.writeFileSync(path.join(workflows, "broken.yml"), renderWorkflow(base).replace("runs-on: [", "runs-on: [ubuntu-latst, "));
            const bad = await new Promise<string>((resolve) => execFile(tools.actionlint, ["-no-color", "-config-file", path.join(".github", "actionlint.yaml"), path.join(".github", "workflows", "broken.yml")], { cwd: dir }, (_e, o, e2) => resolve(o + e2)));
            assert.match(bad, /label "ubuntu-latst" is unknown/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
