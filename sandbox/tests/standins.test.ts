// The test doubles are tested too: the GitHub API stand-in against GitHub's routes and signing,
// the Git server with a real clone and push, and the stand-in providers' pure logic.
import * as assert from "assert";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { GitHubApi } from "../standins/githubApi";
import { checkWebhook, diffWebhook, hookBody } from "../standins/githubProvider";
import { Clone, createRepository, git, instavoteFiles, startGitServer, voteDeployment } from "../standins/gitServer";
import { checkPassword, generatePassword } from "../standins/randomProvider";
import { plain, secret, UnknownValue } from "../standins/wire";

interface Received { headers: http.IncomingHttpHeaders; body: string }

/** A receiver standing in for notification-controller: records requests, answers `status`. */
async function receiver(status = 200): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
    const got: Received[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            got.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
            res.writeHead(status).end();
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/abc`, got, close: () => new Promise((r) => server.close(() => r())) };
}

describe("GitHub API stand-in", () => {
    let api: GitHubApi;
    let rx: Awaited<ReturnType<typeof receiver>>;
    const call = async (method: string, p: string, body?: unknown, token = "t0k") => {
        const res = await fetch(new URL(p, api.url), { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.text();
        return { status: res.status, json: text ? JSON.parse(text) : undefined };
    };
    const create = () => call("POST", "/repos/org/app/hooks", { name: "web", active: true, events: ["push"], config: { url: rx.url, content_type: "json", insecure_ssl: "0", secret: "s3cr3t" } });

    beforeEach(async () => {
        api = await GitHubApi.start({ token: "t0k" });
        rx = await receiver();
    });
    afterEach(async () => {
        await api.close();
        await rx.close();
    });

    it("creates a hook (201), never shows its secret, and pings it signed, as GitHub does", async () => {
        const res = await create();
        assert.strictEqual(res.status, 201);
        assert.deepStrictEqual(res.json.config, { url: rx.url, content_type: "json", insecure_ssl: "0", secret: "********" });
        await api.idle();
        assert.strictEqual(rx.got.length, 1);
        const ping = rx.got[0];
        assert.strictEqual(ping.headers["x-github-event"], "ping");
        assert.strictEqual(ping.headers["x-github-hook-id"], String(res.json.id));
        assert.match(String(ping.headers["x-github-delivery"]), /^[0-9a-f-]{36}$/);
        assert.strictEqual(ping.headers["x-hub-signature-256"], `sha256=${createHmac("sha256", "s3cr3t").update(ping.body).digest("hex")}`);
        assert.strictEqual(ping.headers["x-hub-signature"], `sha1=${createHmac("sha1", "s3cr3t").update(ping.body).digest("hex")}`);
        assert.strictEqual(JSON.parse(ping.body).hook_id, res.json.id);
        assert.deepStrictEqual(api.deliveries.map((d) => [d.event, d.statusCode]), [["ping", 200]]);
    });

    it("gets, updates (keeping the secret unless a new one is sent) and deletes a hook", async () => {
        const { json: hook } = await create();
        assert.strictEqual((await call("GET", `/repos/org/app/hooks/${hook.id}`)).status, 200);
        const patched = await call("PATCH", `/repos/org/app/hooks/${hook.id}`, { config: { url: `${rx.url}x`, content_type: "json" }, events: ["push", "ping"] });
        assert.strictEqual(patched.status, 200);
        assert.strictEqual(patched.json.config.url, `${rx.url}x`);
        assert.strictEqual(api.getHook(hook.id)?.config.secret, "s3cr3t");
        assert.strictEqual((await call("DELETE", `/repos/org/app/hooks/${hook.id}`)).status, 204);
        assert.strictEqual((await call("GET", `/repos/org/app/hooks/${hook.id}`)).status, 404);
        assert.deepStrictEqual(api.listHooks("org", "app"), []);
    });

    it("answers 401 to a wrong token and 404 (logged) to a route GitHub does not have", async () => {
        assert.strictEqual((await call("GET", "/repos/org/app/hooks", undefined, "wrong")).status, 401);
        assert.strictEqual((await call("GET", "/repos/org/app/collaborators")).status, 404);
        assert.deepStrictEqual(api.unknownRoutes, ["GET /repos/org/app/collaborators"]);
    });

    it("delivers a push with GitHub's headers and payload, and records the response code", async () => {
        await create();
        await api.idle();
        const [d] = await api.deliverPush("org", "app", { before: "a".repeat(40), after: "b".repeat(40) });
        assert.strictEqual(d.statusCode, 200);
        const push = rx.got[1];
        assert.strictEqual(push.headers["x-github-event"], "push");
        assert.strictEqual(push.headers["content-type"], "application/json");
        const payload = JSON.parse(push.body);
        assert.deepStrictEqual([payload.ref, payload.before, payload.after, payload.repository.full_name], ["refs/heads/main", "a".repeat(40), "b".repeat(40), "org/app"]);
        assert.strictEqual(payload.head_commit.id, "b".repeat(40));
    });

    it("sends a form-encoded payload when the hook's content type is form", async () => {
        await call("POST", "/repos/org/app/hooks", { events: ["push"], config: { url: rx.url, content_type: "form", secret: "s" } });
        await api.idle();
        const ping = rx.got[0];
        assert.strictEqual(ping.headers["content-type"], "application/x-www-form-urlencoded");
        assert.ok(ping.body.startsWith("payload="));
        assert.strictEqual(JSON.parse(decodeURIComponent(ping.body.slice("payload=".length))).zen, "Design for failure.");
    });

    it("records a receiver's refusal (e.g. 400) as the delivery's response code", async () => {
        const refusing = await receiver(400);
        await call("POST", "/repos/org/other/hooks", { events: ["push"], config: { url: refusing.url, content_type: "json", secret: "s" } });
        await api.idle();
        assert.deepStrictEqual(api.deliveries.map((d) => d.statusCode), [400]);
        await refusing.close();
    });
});

describe("git server (git http-backend over HTTP)", () => {
    it("serves clone and push; the SHA a push returns is the server's", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "git-standin-"));
        const server = await startGitServer(path.join(root, "srv"));
        try {
            const url = await createRepository(server, "instavote", instavoteFiles());
            const clone = await Clone.open(url, path.join(root, "work", "instavote"));
            assert.match(clone.read("deploy/vote/staging/vote-deployment.yaml"), /replicas: 2/);
            const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(5) }, "vote: 5 replicas");
            assert.notStrictEqual(before, after);
            // Asynchronously: the server answers from this process (a blocking call would deadlock).
            const remote = (await git(root, ["ls-remote", url, "refs/heads/main"])).split("\t")[0];
            assert.strictEqual(remote, after);
        } finally {
            await server.close();
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

describe("stand-in providers", () => {
    it("random: defaults like the real provider, and honours length, classes and minimums", () => {
        const { inputs, failures } = checkPassword({ length: 48, special: false });
        assert.deepStrictEqual(failures, []);
        assert.deepStrictEqual([inputs.upper, inputs.lower, inputs.numeric, inputs.special, inputs.minUpper], [true, true, true, false, 0]);
        for (let i = 0; i < 20; i++) assert.match(generatePassword(inputs), /^[A-Za-z0-9]{48}$/);
        const digits = generatePassword(checkPassword({ length: 12, special: false, upper: false, lower: false, minNumeric: 12 }).inputs);
        assert.match(digits, /^[0-9]{12}$/);
        assert.deepStrictEqual(checkPassword({ length: 4, minUpper: 3, minLower: 3 }).failures, ["length (4) is less than the sum of the minimums (6)"]);
    });

    it("github: repository replaces the hook, other changes update it, secrets and unknowns compare by value", () => {
        const olds = { repository: "app", events: ["push"], active: true, configuration: { url: "http://x/hook/a", contentType: "json", insecureSsl: false, secret: secret("s1") } };
        assert.deepStrictEqual(diffWebhook(olds, { ...olds }), { changes: false, replaces: [] });
        assert.deepStrictEqual(diffWebhook(olds, { ...olds, repository: "other" }), { changes: true, replaces: ["repository"] });
        assert.deepStrictEqual(diffWebhook(olds, { ...olds, configuration: { ...olds.configuration, secret: secret("s2") } }), { changes: true, replaces: [] });
        assert.deepStrictEqual(diffWebhook(olds, { ...olds, configuration: UnknownValue }), { changes: true, replaces: [] });
    });

    it("github: sends GitHub's hook body (name web, insecure_ssl as \"0\"/\"1\")", () => {
        const i = checkWebhook(plain({ repository: "app", events: ["push"], configuration: { url: "https://x/hook/a", contentType: "json", insecureSsl: false, secret: secret("s") } }) as Record<string, unknown>).inputs;
        assert.deepStrictEqual(hookBody(i), { name: "web", active: true, events: ["push"], config: { url: "https://x/hook/a", content_type: "json", insecure_ssl: "0", secret: "s" } });
        assert.deepStrictEqual(checkWebhook({ events: [] }).failures, ["repository is required", "events must be a non-empty list"]);
    });
});
