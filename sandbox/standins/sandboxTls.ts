// A certificate authority for the sandbox, made fresh in a temp dir with openssl: certificates for
// made-up names (api.<x>.ghe.com) that node verifies once NODE_EXTRA_CA_CERTS names the CA file.
// Nothing here is trusted outside the processes given that variable. openssl runs asynchronously
// (the test process also serves the stand-ins, so it must not block its event loop).
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface SandboxCa {
    readonly dir: string;
    /** The CA certificate (PEM file): what NODE_EXTRA_CA_CERTS names. */
    readonly caFile: string;
    readonly caCert: string;
    /** The CA's private key (PEM): what a cert-manager CA Issuer's Secret holds as tls.key. */
    readonly caKey: string;
    /**
     * A key and a certificate for these DNS names, signed by the CA; `validity` dates it (e.g. in
     * the past: a certificate that expired, as one left unrenewed is).
     */
    issue(hostnames: readonly string[], validity?: { readonly notBefore: Date; readonly notAfter: Date }, opts?: { readonly emptySubject?: boolean }): Promise<{ key: string; cert: string }>;
    /** A key and a self-signed certificate for these DNS names (not signed by the CA). */
    selfSigned(hostnames: readonly string[], opts?: { readonly emptySubject?: boolean }): Promise<{ key: string; cert: string }>;
    /** Removes the temp dir. */
    remove(): void;
}

function openssl(cwd: string, args: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile("openssl", args, { cwd }, (err, _stdout, stderr) => (err ? reject(new Error(`openssl ${args[0]} failed: ${stderr || err.message}`)) : resolve()));
    });
}

export async function createSandboxCa(parent: string = os.tmpdir()): Promise<SandboxCa> {
    const dir = fs.mkdtempSync(path.join(parent, "sandbox-ca-"));
    try {
        const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        await openssl(dir, ["req", "-x509", ...curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=flux-push sandbox CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    } catch (err) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
    let serial = 0;
    // `openssl ca` signs with chosen dates (`x509 -req` takes only -days from now).
    fs.writeFileSync(path.join(dir, "ca.cnf"), "[ca]\ndefault_ca=sandbox\n[sandbox]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=any\nunique_subject=no\n[any]\ncommonName=supplied\n");
    fs.writeFileSync(path.join(dir, "index.txt"), "");
    fs.writeFileSync(path.join(dir, "serial"), "2000\n");
    const opensslTime = (d: Date) => d.toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z");
    return {
        dir,
        caFile: path.join(dir, "ca.pem"),
        caCert: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
        caKey: fs.readFileSync(path.join(dir, "ca.key"), "utf8"),
        async issue(hostnames, validity, opts) {
            if (hostnames.length === 0 || hostnames.some((h) => !/^(\*\.)?[a-z0-9.-]+$/i.test(h))) throw new Error(`issue: invalid host names ${JSON.stringify(hostnames)}`);
            const name = `leaf-${++serial}`;
            fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(",")}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
            await openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", opts?.emptySubject ? "/" : `/CN=${hostnames[0]}`]);
            if (validity) {
                await openssl(dir, ["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", `${name}.csr`, "-out", `${name}.pem`, "-notext",
                    "-startdate", opensslTime(validity.notBefore), "-enddate", opensslTime(validity.notAfter), "-extfile", `${name}.ext`]);
            } else {
                await openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", String(1000 + serial), "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.pem`]);
            }
            return { key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8"), cert: fs.readFileSync(path.join(dir, `${name}.pem`), "utf8") };
        },
        async selfSigned(hostnames, opts) {
            if (hostnames.length === 0 || hostnames.some((h) => !/^(\*\.)?[a-z0-9.-]+$/i.test(h))) throw new Error(`selfSigned: invalid host names ${JSON.stringify(hostnames)}`);
            const name = `self-${++serial}`;
            await openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2",
                "-subj", opts?.emptySubject ? "/" : `/CN=${hostnames[0]}`, "-addext", `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(",")}`, "-addext", "basicConstraints=critical,CA:FALSE",
                // A server certificate's key usage, as cert-manager's leaves have it (no keyCertSign).
                "-addext", "keyUsage=critical,digitalSignature,keyEncipherment"]);
            return { key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8"), cert: fs.readFileSync(path.join(dir, `${name}.pem`), "utf8") };
        },
        remove() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
