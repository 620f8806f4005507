// Git over smart HTTP for the sandbox: a small server that runs `git http-backend` (CGI) per
// request, so source-controller clones and the tests push exactly as they would with a Git host.
import { execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";

export interface GitServer {
    readonly url: string;
    readonly root: string;
    close(): Promise<void>;
}

const gitEnv = {
    GIT_AUTHOR_NAME: "sandbox", GIT_AUTHOR_EMAIL: "sandbox@example.com",
    GIT_COMMITTER_NAME: "sandbox", GIT_COMMITTER_EMAIL: "sandbox@example.com",
    GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0",
};

/** Runs git asynchronously: the Git server answers from this same process, so a blocking call would deadlock. */
export function git(cwd: string, args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("git", [...args], { cwd, env: { ...process.env, ...gitEnv, HOME: cwd }, timeout: 60000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`git ${args.join(" ")}: ${stderr || err.message}`));
            else resolve(stdout.toString().trim());
        });
    });
}

export async function startGitServer(root: string): Promise<GitServer> {
    fs.mkdirSync(root, { recursive: true });
    const backend = path.join(execFileSync("git", ["--exec-path"]).toString().trim(), "git-http-backend");
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const cgi = spawn(backend, [], {
            env: {
                ...process.env,
                GIT_PROJECT_ROOT: root,
                GIT_HTTP_EXPORT_ALL: "1",
                PATH_INFO: decodeURIComponent(url.pathname),
                QUERY_STRING: url.search.replace(/^\?/, ""),
                REQUEST_METHOD: req.method ?? "GET",
                CONTENT_TYPE: req.headers["content-type"] ?? "",
                CONTENT_LENGTH: req.headers["content-length"] ?? "",
                GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
                HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
                REMOTE_USER: "sandbox",
                REMOTE_ADDR: "127.0.0.1",
            },
        });
        req.pipe(cgi.stdin);
        // Split the CGI headers (Status: included) from the body.
        let head = Buffer.alloc(0);
        let headersDone = false;
        cgi.stdout.on("data", (chunk: Buffer) => {
            if (headersDone) return void res.write(chunk);
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf("\r\n\r\n");
            if (end < 0) return;
            headersDone = true;
            let status = 200;
            for (const line of head.subarray(0, end).toString().split("\r\n")) {
                const i = line.indexOf(":");
                const [k, v] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
                if (k.toLowerCase() === "status") status = parseInt(v, 10);
                else res.setHeader(k, v);
            }
            res.writeHead(status);
            res.write(head.subarray(end + 4));
        });
        cgi.on("close", () => {
            if (!headersDone) res.writeHead(500);
            res.end();
        });
        cgi.on("error", () => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        root,
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

/** A bare repository on the server, seeded with `files` on branch main, pushable over HTTP. */
export async function createRepository(server: GitServer, name: string, files: Record<string, string>): Promise<string> {
    const bare = path.join(server.root, `${name}.git`);
    await git(server.root, ["init", "--quiet", "--bare", "--initial-branch=main", bare]);
    await git(bare, ["config", "http.receivepack", "true"]);
    const work = fs.mkdtempSync(path.join(server.root, `.seed-${name}-`));
    await git(work, ["init", "--quiet", "--initial-branch=main"]);
    writeFiles(work, files);
    await git(work, ["add", "-A"]);
    await git(work, ["commit", "--quiet", "-m", `${name}: initial content`]);
    await git(work, ["push", "--quiet", `${server.url}/${name}.git`, "main"]);
    fs.rmSync(work, { recursive: true, force: true });
    return `${server.url}/${name}.git`;
}

function writeFiles(dir: string, files: Record<string, string>): void {
    for (const [file, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), content);
    }
}

/** A developer's clone: change files, commit, push over HTTP; returns the before and after SHAs. */
export class Clone {
    private constructor(readonly dir: string, readonly remote: string) {}

    static async open(remote: string, dir: string): Promise<Clone> {
        fs.mkdirSync(path.dirname(dir), { recursive: true });
        await git(path.dirname(dir), ["clone", "--quiet", remote, dir]);
        return new Clone(dir, remote);
    }

    head(): Promise<string> {
        return git(this.dir, ["rev-parse", "HEAD"]);
    }

    read(file: string): string {
        return fs.readFileSync(path.join(this.dir, file), "utf8");
    }

    /** Brings main up to what the remote has (commits the stack made through GitHub's contents API). */
    async pull(): Promise<void> {
        await git(this.dir, ["pull", "--quiet", "--ff-only", "origin", "main"]);
    }

    /** Commits on `branch` (created from the current HEAD if new) and pushes it; returns to main. */
    async commitAndPush(files: Record<string, string>, message: string, branch = "main"): Promise<{ before: string; after: string }> {
        if (branch !== "main") await git(this.dir, ["checkout", "--quiet", "-B", branch]);
        const before = await this.head();
        writeFiles(this.dir, files);
        await git(this.dir, ["add", "--all"]);
        await git(this.dir, ["commit", "--quiet", "-m", message]);
        await git(this.dir, ["push", "--quiet", "origin", branch]);
        const after = await this.head();
        if (branch !== "main") await git(this.dir, ["checkout", "--quiet", "main"]);
        return { before, after };
    }
}

/** The guide's vote Deployment, with `replicas` as the guide's test changes it (2 -> 5). */
export function voteDeployment(replicas: number): string {
    return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: vote
  labels:
    app: vote
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: vote
  template:
    metadata:
      labels:
        app: vote
    spec:
      containers:
        - name: vote
          image: schoolofdevops/vote:v1
          ports:
            - containerPort: 80
`;
}

/** The application repository of the guide: deploy/vote/staging with the vote Deployment at 2 replicas. */
export function instavoteFiles(): Record<string, string> {
    return {
        "README.md": "instavote (sandbox copy): the vote app's staging manifests\n",
        "deploy/vote/staging/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - vote-deployment.yaml\n",
        "deploy/vote/staging/vote-deployment.yaml": voteDeployment(2),
    };
}

/** The cluster's Flux repository: clusters/sandbox/flux-system applies Flux's own webhook-receiver Service. */
export function fluxInfraFiles(webhookReceiverService: string): Record<string, string> {
    return {
        "clusters/sandbox/flux-system/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: flux-system\nresources:\n  - webhook-receiver.yaml\n",
        "clusters/sandbox/flux-system/webhook-receiver.yaml": webhookReceiverService,
    };
}
