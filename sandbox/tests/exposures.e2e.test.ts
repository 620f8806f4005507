// End to end, the exposures production clusters use, with real parts: Traefik v3.6 (its Kubernetes
// Ingress and Gateway API providers, out of cluster) serving the program's Ingress and HTTPRoute
// over https with certificates cert-manager v1.21's controllers issued from a CA Issuer; the
// Gateway API's own CRDs; and the real engine, kubernetes provider, API server and Flux 2.9 as in
// the e2e suite. Stand-ins (test doubles): GitHub (delivering over https as GitHub does: the chain
// verified against the CAs it trusts, where the sandbox CA stands for a public one; SNI; no
// redirect followed; insecure_ssl), a cloud's load-balancer controller, kube-proxy, the Git host.
// The checks run in order on one sandbox; each says what it proves. Needs root (ports 80/443 on
// loopback addresses) and the exposures toolchain (`bash sandbox/toolchain/build.sh`).
import * as assert from "assert";
import { X509Certificate } from "crypto";
import * as path from "path";
import * as tls from "tls";
import { EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { GatewayHost, IngressHost } from "../exposures";
import { Sandbox, SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack, SandboxStack } from "../stack";
import { Delivery } from "../standins/githubApi";
import { Clone, voteDeployment } from "../standins/gitServer";

interface Condition { type: string; status: string; reason?: string; message?: string }
interface Kustomization { status?: { lastAppliedRevision?: string } }
interface Service { spec: { type: string; ports: { port: number; nodePort?: number }[] }; status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } }
interface HttpRoute { status?: { parents?: { parentRef: { name: string }; controllerName?: string; conditions?: Condition[] }[] } }
interface DeliveryCheckOutput { ok?: boolean; statusCode?: number; message?: string }
interface RepositoryOutputs { payloadUrl: string; webhookId: string; receiver: string; deliveryCheck: DeliveryCheckOutput }

const ns = "flux-system";
const day = 86400e3;

describe("sandbox end to end: the exposures production clusters use (Traefik, cert-manager, Gateway API, a load balancer)", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let s: SandboxStack;
    let stack: Stack;
    let outputs: OutputMap;
    let repo: RepositoryOutputs;
    let clone: Clone;
    const printed: string[] = [];
    const timings: Record<string, number> = {};

    const get = <T>(p: string) => sb.controlPlane.api.get<T>(p);
    const exposures = () => {
        if (!sb.exposures) throw new Error("the sandbox was started without exposures");
        return sb.exposures;
    };
    const hooks = () => sb.github.listHooks(SandboxOwner, "instavote");
    const timed = async <T>(what: string, fn: () => Promise<T>) => {
        const t = Date.now();
        const v = await fn();
        timings[what] = (Date.now() - t) / 1000;
        return v;
    };
    const configure = (overrides: Record<string, unknown>) => s.setConfig(sandboxConfig(sb, { deliveryCheckTimeout: 15, ...overrides }));
    const ingress = { exposure: "ingress", nodeAddress: undefined, ingressHost: IngressHost, ingressTlsSecret: "flux-webhook-tls" };
    let events: EngineEvent[] = [];
    const up = async () => {
        events = [];
        const res = await stack.up({ onOutput: (o) => printed.push(o), onEvent: (e) => events.push(e) });
        outputs = res.outputs;
        repo = (outputs.repositories.value as Record<string, RepositoryOutputs>).instavote;
        return res;
    };
    const appliedRevision = async () => (await get<Kustomization>(paths.kustomization(ns, "vote-staging")))?.status?.lastAppliedRevision ?? "";
    const pushReplicas = async (replicas: number) => {
        const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(replicas) }, `vote: ${replicas} replicas`);
        const deliveries = await sb.github.deliverPush(SandboxOwner, "instavote", { before, after });
        assert.deepStrictEqual(deliveries.map((d) => [d.statusCode, d.status]), [[200, "OK"]], JSON.stringify(deliveries.map((d) => d.responseBody)));
        await waitFor(`vote at ${replicas} replicas from ${after}`, async () => {
            const dep = await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote"));
            return (await appliedRevision()).endsWith(after) && dep?.spec.replicas === replicas ? true : undefined;
        }, 60000, 50);
        return deliveries[0];
    };
    /**
     * Runs `work` under a stream of pushes (one every 250 ms, as the rotation check does), each
     * delivered by GitHub to the hook's URL of the moment; the last commit must be applied after.
     */
    const underStream = async (work: () => Promise<unknown>) => {
        const stream: { sha: string; delivery: Delivery }[] = [];
        let streaming = true;
        let n = 0;
        const pusher = (async () => {
            while (streaming) {
                const started = Date.now();
                const pushed = await clone.commitAndPush({ "deploy/vote/staging/stream.txt": `push ${++n}\n` }, `stream ${n}`);
                for (const d of await sb.github.deliverPush(SandboxOwner, "instavote", pushed)) stream.push({ sha: pushed.after, delivery: d });
                await new Promise((r) => setTimeout(r, Math.max(0, 250 - (Date.now() - started))));
            }
        })();
        try {
            await work();
        } finally {
            await new Promise((r) => setTimeout(r, 1000)); // a few pushes after the switch too
            streaming = false;
            await pusher;
        }
        const last = stream[stream.length - 1].sha;
        await waitFor(`vote-staging to apply ${last}`, async () => ((await appliedRevision()).endsWith(last) ? true : undefined), 30000, 50);
        return stream;
    };
    /** The engine's order: the probe's result came before the hook's update began. */
    const order = () => {
        const at = (pred: (e: EngineEvent) => boolean) => events.findIndex(pred);
        const probeDone = at((e) => e.resOutputsEvent?.metadata.type === "flux-push-github:index:PayloadUrlProbe" && e.resOutputsEvent.metadata.op !== "same");
        const hookStart = at((e) => e.resourcePreEvent?.metadata.type === "github:index/repositoryWebhook:RepositoryWebhook" && e.resourcePreEvent.metadata.op === "update");
        return { probeDone, hookStart };
    };
    /** The certificate Traefik presents for `host` (SNI), read without verifying. */
    const served = (host: string) => new Promise<X509Certificate>((resolve, reject) => {
        const socket = tls.connect({ host, port: 443, servername: host, rejectUnauthorized: false }, () => {
            const raw = socket.getPeerCertificate().raw;
            socket.end();
            resolve(new X509Certificate(raw));
        });
        socket.on("error", reject);
    });
    const secretCert = async (name: string, namespace = ns) => {
        const secret = await get<{ metadata: { annotations?: Record<string, string> }; data: Record<string, string> }>(paths.secret(namespace, name));
        return { annotations: secret?.metadata.annotations ?? {}, cert: new X509Certificate(Buffer.from(secret?.data["tls.crt"] ?? "", "base64")) };
    };
    const failsAtProbe = async (why: RegExp) => {
        const hookUrl = hooks()[0].config.url;
        await assert.rejects(up(), (err: Error) => {
            assert.match(err.message, /probing the new payload URL on .* from where `pulumi up` runs, before GitHub's hook moves to it/);
            assert.match(err.message, why);
            assert.match(err.message, /The hook was not moved/);
            assert.ok(!/\/hook\/[0-9a-f]{64}/.test(err.message), "no webhook path in the message");
            return true;
        });
        assert.strictEqual(hooks()[0].config.url, hookUrl, "GitHub's hook still points at the URL that works");
    };

    before(async function () {
        this.timeout(5 * 60 * 1000);
        sb = await startSandbox({ quiet: true, exposures: true });
        const ex = exposures();
        // cert-manager issues the ingress host's certificate from a CA Issuer (the sandbox CA, standing
        // for a public CA GitHub trusts), another for the wrong host, and a self-signed one.
        await timed("cert-manager: Issuers and three Certificates", async () => {
            await ex.certManager.caIssuer(ns, "sandbox-ca", { cert: ex.ca.caCert, key: ex.ca.caKey });
            await ex.certManager.selfSignedIssuer(ns, "self-signed");
            await ex.certManager.certificate(ns, "flux-webhook", { secretName: "flux-webhook-tls", dnsNames: [IngressHost], issuer: "sandbox-ca" });
            await ex.certManager.certificate(ns, "other-host", { secretName: "wrong-host-tls", dnsNames: ["other.sandbox.example"], issuer: "sandbox-ca" });
            await ex.certManager.certificate(ns, "self-signed", { secretName: "self-signed-tls", dnsNames: [IngressHost], issuer: "self-signed" });
        });
        // An expired certificate, as one left unrenewed is: cert-manager renews before expiry, so the
        // sandbox CA signs this one with dates in the past.
        const expired = await ex.ca.issue([IngressHost], { notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) });
        await sb.controlPlane.api.apply([{ apiVersion: "v1", kind: "Secret", metadata: { name: "expired-tls", namespace: ns }, type: "kubernetes.io/tls", stringData: { "tls.crt": expired.cert, "tls.key": expired.key } }] as unknown as Parameters<typeof sb.controlPlane.api.apply>[0]);
        s = await sandboxStack(sb, "exposures", sandboxConfig(sb, { deliveryCheckTimeout: 15 }), ex.env);
        stack = s.stack;
        clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        console.log(`      timings (s): ${JSON.stringify({ ...sb?.timings, ...timings })}`);
        await sb?.stop();
    });

    it("1. up with exposure patch-nodeport (the guide's, plain http): the baseline the moves start from; a push is applied", async () => {
        configure({});
        assert.strictEqual((await timed("up (patch-nodeport)", up)).summary.result, "succeeded");
        assert.match(repo.payloadUrl, /^http:\/\/127\.0\.0\.1:31234\/hook\//);
        await pushReplicas(5);
    });

    it("2. NodePort -> Ingress with a certificate for the wrong host: Traefik serves its default one, and the probe fails naming that and the Secret's names; the hook stays on the NodePort, where a push is still applied", async () => {
        configure({ ...ingress, ingressTlsSecret: "wrong-host-tls" });
        // Traefik's default certificate ("TRAEFIK DEFAULT CERT", for <hash>.traefik.default).
        await failsAtProbe(new RegExp(`could not verify the server: ${IngressHost.replace(/\./g, "\\.")} presented a certificate for [0-9a-f.]+\\.traefik\\.default, .*: it is self-signed \\(DEPTH_ZERO_SELF_SIGNED_CERT\\).*It is not for ${IngressHost.replace(/\./g, "\\.")} either: this is what an ingress controller serves when it has no certificate for the host.*spec\\.dnsNames must include`, "s"));
        assert.match(printed.join(""), /warning: preflight: Secret flux-system\/wrong-host-tls \(ingressTlsSecret\): it holds a certificate for other\.sandbox\.example/);
        await pushReplicas(3);
    });

    it("3. NodePort -> Ingress with an expired certificate: the probe fails naming the expiry and the renewal; the hook stays", async () => {
        configure({ ...ingress, ingressTlsSecret: "expired-tls" });
        await failsAtProbe(/presented a certificate for flux-webhook\.sandbox\.example, issued by flux-push sandbox CA, valid .*: it has expired \(CERT_HAS_EXPIRED\)\. GitHub refuses it too.*Renew it/s);
    });

    it("4. an http payload URL that Traefik redirects to https: the probe fails naming the redirect and the https URL; GitHub's own delivery records the 308", async () => {
        configure({ exposure: "url", nodeAddress: undefined, publicUrl: `http://${IngressHost}` });
        await failsAtProbe(/got a redirect: flux-webhook\.sandbox\.example answered 30[178], a redirect to https:\/\/flux-webhook\.sandbox\.example: GitHub does not follow redirects.*`pulumi config set exposure ingress`/s);
        configure({ exposure: "url", nodeAddress: undefined, publicUrl: `http://${IngressHost}`, receiverProbe: "off" });
        await assert.rejects(up(), /GitHub's ping of the sandbox-org\/instavote webhook \(payload URL on flux-webhook\.sandbox\.example\) got 30[178]: a redirect \(GitHub does not follow redirects\)/);
        // Without the probe the hook moved (the delivery check then failed): GitHub recorded the 3xx.
        assert.ok(sb.github.deliveries.some((d) => d.url.startsWith(`http://${IngressHost}/`) && d.statusCode >= 300 && d.statusCode < 400 && /Invalid HTTP Response: 30/.test(d.status)));
        configure({});
        assert.strictEqual((await up()).summary.result, "succeeded", "back on the NodePort");
    });

    it("5. a self-signed certificate: refused unless insecureSsl, which lets it through (the hook's insecure_ssl \"1\"); then back to the NodePort", async () => {
        configure({ ...ingress, ingressTlsSecret: "self-signed-tls" });
        await assert.rejects(up(), /presented a certificate for flux-webhook\.sandbox\.example, self-signed, .*: it is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\).*`pulumi config set insecureSsl true`/s);
        configure({ ...ingress, ingressTlsSecret: "self-signed-tls", insecureSsl: true });
        assert.strictEqual((await timed("up (self-signed, insecureSsl)", up)).summary.result, "succeeded");
        assert.strictEqual(hooks()[0].config.insecure_ssl, "1");
        assert.strictEqual(repo.deliveryCheck.ok, true, repo.deliveryCheck.message);
        const presented = await served(IngressHost);
        assert.ok(presented.verify(presented.publicKey), "Traefik serves the self-signed certificate (signed with its own key)");
        await pushReplicas(4);
        configure({});
        assert.strictEqual((await up()).summary.result, "succeeded");
        assert.strictEqual(hooks()[0].config.insecure_ssl, "0");
    });

    it("6. NodePort -> Ingress under a stream of pushes: https through Traefik with cert-manager's certificate, verified; the probe passed on the new URL before the hook moved; no delivery lost; delivery check accepted", async () => {
        const old = repo.payloadUrl;
        configure(ingress);
        const stream = await underStream(() => timed("up (patch-nodeport -> ingress, under a stream)", up));
        timings["NodePort -> Ingress: pushes in the stream"] = stream.length;
        assert.ok(stream.length >= 8, `a stream of ${stream.length} pushes`);
        assert.deepStrictEqual(stream.filter((x) => x.delivery.statusCode !== 200).map((x) => `${x.delivery.statusCode} ${x.delivery.status} ${x.delivery.url === old ? "old URL" : "new URL"}`), [], "every delivery got 200");
        assert.ok(stream.some((x) => x.delivery.url === old) && stream.some((x) => x.delivery.url === repo.payloadUrl), "the stream spanned the switch");

        assert.ok(repo.payloadUrl.startsWith(`https://${IngressHost}/hook/`), "the payload URL is the Ingress host's, https");
        const { probeDone, hookStart } = order();
        assert.ok(probeDone >= 0 && hookStart > probeDone, `the probe's result (event ${probeDone}) came before the hook's update began (event ${hookStart})`);
        const [hook] = hooks();
        assert.deepStrictEqual([hook.config.url, hook.config.insecure_ssl], [repo.payloadUrl, "0"], "GitHub verifies the certificate");
        assert.strictEqual(repo.deliveryCheck.ok, true, repo.deliveryCheck.message);
        assert.strictEqual(await get(paths.service(ns, "webhook-receiver")).then((x) => (x as Service).spec.type), "ClusterIP", "the NodePort patch was released");

        // What GitHub verified: the certificate cert-manager wrote into the Secret the Ingress names.
        const secret = await secretCert("flux-webhook-tls");
        assert.strictEqual(secret.annotations["cert-manager.io/certificate-name"], "flux-webhook");
        assert.ok(secret.cert.checkIssued(new X509Certificate(exposures().ca.caCert)), "issued by the CA Issuer");
        assert.strictEqual((await served(IngressHost)).fingerprint256, secret.cert.fingerprint256, "Traefik serves it for the host");
        const d = await pushReplicas(2);
        assert.ok(d.url.startsWith(`https://${IngressHost}/`));
    });

    it("7. Ingress -> NodePort under a stream of pushes: no delivery lost, the hook moved after the probe passed, the Ingress is gone", async () => {
        const old = repo.payloadUrl;
        configure({});
        const stream = await underStream(() => timed("up (ingress -> patch-nodeport, under a stream)", up));
        assert.deepStrictEqual(stream.filter((x) => x.delivery.statusCode !== 200).map((x) => `${x.delivery.statusCode} ${x.delivery.status} ${x.delivery.url === old ? "old URL" : "new URL"}`), []);
        assert.ok(stream.some((x) => x.delivery.url === old) && stream.some((x) => x.delivery.url === repo.payloadUrl), "the stream spanned the switch");
        const { probeDone, hookStart } = order();
        assert.ok(probeDone >= 0 && hookStart > probeDone, `probe ${probeDone} before hook ${hookStart}`);
        assert.strictEqual(await get(paths.ingress(ns, "webhook-receiver")), undefined);
        assert.match(repo.payloadUrl, /^http:\/\/127\.0\.0\.1:31234\/hook\//);
    });

    it("8. Gateway API: an HTTPRoute attached to the Gateway the user names, accepted by Traefik's Gateway API provider; the payload URL from its HTTPS listener; a push is applied", async () => {
        const ex = exposures();
        await sb.controlPlane.api.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "gateway-system" } }]);
        await ex.certManager.caIssuer("gateway-system", "sandbox-ca", { cert: ex.ca.caCert, key: ex.ca.caKey });
        await ex.certManager.certificate("gateway-system", "flux-gw", { secretName: "flux-gw-tls", dnsNames: [GatewayHost], issuer: "sandbox-ca" });
        const gateway = (from: "All" | "Same") => ({
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: "internet-gateway", namespace: "gateway-system" },
            spec: {
                gatewayClassName: "traefik",
                listeners: [{
                    name: "websecure", protocol: "HTTPS", port: 443, hostname: GatewayHost,
                    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "flux-gw-tls" }] },
                    allowedRoutes: { namespaces: { from } },
                }],
            },
        });
        // A listener that admits only its own namespace's routes: stopped before anything changes.
        await sb.controlPlane.api.apply([gateway("Same")] as unknown as Parameters<typeof sb.controlPlane.api.apply>[0]);
        configure({ exposure: "gateway", nodeAddress: undefined, gatewayName: "gateway-system/internet-gateway" });
        await assert.rejects(stack.preview(), /no listener of Gateway gateway-system\/internet-gateway can take the HTTPRoute: websecure: allowedRoutes\.namespaces\.from is Same \(the default\)/);

        await sb.controlPlane.api.apply([gateway("All")] as unknown as Parameters<typeof sb.controlPlane.api.apply>[0]);
        assert.strictEqual((await timed("up (patch-nodeport -> gateway)", up)).summary.result, "succeeded");
        assert.ok(repo.payloadUrl.startsWith(`https://${GatewayHost}/hook/`), repo.payloadUrl);
        const route = await get<HttpRoute>(paths.httpRoute(ns, "webhook-receiver"));
        const parent = route?.status?.parents?.find((p) => p.parentRef.name === "internet-gateway");
        assert.strictEqual(parent?.controllerName, "traefik.io/gateway-controller");
        assert.strictEqual(parent?.conditions?.find((c) => c.type === "Accepted")?.status, "True", JSON.stringify(parent));
        assert.strictEqual(repo.deliveryCheck.ok, true, repo.deliveryCheck.message);
        assert.strictEqual((await served(GatewayHost)).fingerprint256, (await secretCert("flux-gw-tls", "gateway-system")).cert.fingerprint256);
        await pushReplicas(5);
    });

    it("9. LoadBalancer: an address that comes late (3 s) is waited for; the payload URL is http://<address>; a push is applied", async () => {
        exposures().loadBalancer.configure({ mode: "ip", delayMs: 3000 });
        configure({ exposure: "loadbalancer", nodeAddress: undefined });
        assert.strictEqual((await timed("up (gateway -> loadbalancer, address after 3 s)", up)).summary.result, "succeeded");
        const svc = await get<Service>(paths.service(ns, "webhook-receiver-external"));
        const ip = svc?.status?.loadBalancer?.ingress?.[0]?.ip ?? "";
        assert.match(ip, /^127\.98\.0\.\d+$/);
        assert.ok(repo.payloadUrl.startsWith(`http://${ip}/hook/`), repo.payloadUrl);
        assert.strictEqual(await get(paths.httpRoute(ns, "webhook-receiver")), undefined, "the HTTPRoute is gone");
        await pushReplicas(3);
    });

    it("10. no load-balancer controller: up stops after loadBalancerTimeout saying why (no events: none for type LoadBalancer) and the ways out; the hook stays", async () => {
        configure({});
        await timed("up (loadbalancer -> patch-nodeport)", up);
        exposures().loadBalancer.pause();
        const hookUrl = hooks()[0].config.url;
        configure({ exposure: "loadbalancer", nodeAddress: undefined, loadBalancerTimeout: 15 });
        await assert.rejects(timed("up (loadbalancer, no controller: fails)", up), (err: Error) => {
            assert.match(err.message, /Service was not allocated an IP address/);
            return true;
        });
        assert.match(printed.join(""), /Service flux-system\/webhook-receiver-external \(type LoadBalancer\) got no address in status\.loadBalancer\.ingress within 15 s \(loadBalancerTimeout\): no load-balancer controller acted on it \(no events\).*install one such as MetalLB/);
        assert.strictEqual(hooks()[0].config.url, hookUrl, "the hook still points at the NodePort");
    });

    it("11. a host name instead of an IP (as AWS reports it): the payload URL's host, resolved by DNS; a push is applied", async () => {
        exposures().loadBalancer.configure({ mode: "hostname", delayMs: 0 });
        exposures().loadBalancer.resume();
        configure({ exposure: "loadbalancer", nodeAddress: undefined, loadBalancerTimeout: 60 });
        assert.strictEqual((await timed("up (loadbalancer, a host name)", up)).summary.result, "succeeded");
        assert.match(repo.payloadUrl, /^http:\/\/lb-\d+\.elb\.sandbox\.example\/hook\//);
        await pushReplicas(4);
    });

    it("12. destroy leaves no Ingress, HTTPRoute or Service of the stack; webhook-receiver is Flux's ClusterIP Service; the hook is gone", async () => {
        await timed("destroy", () => stack.destroy({ onOutput: (o) => printed.push(o) }));
        assert.strictEqual(await get(paths.ingress(ns, "webhook-receiver")), undefined);
        assert.strictEqual(await get(paths.httpRoute(ns, "webhook-receiver")), undefined);
        assert.strictEqual(await get(paths.service(ns, "webhook-receiver-external")), undefined);
        assert.strictEqual((await get<Service>(paths.service(ns, "webhook-receiver")))?.spec.type, "ClusterIP");
        assert.deepStrictEqual(hooks(), []);
        const exported = await stack.exportStack();
        assert.deepStrictEqual((exported.deployment as { resources?: unknown[] }).resources ?? [], []);
    });
});
