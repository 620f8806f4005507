// Tears down a running try-out (`npm run sandbox`): it destroys its stack, then stops everything.
import * as fs from "fs";
import { pidFile } from "./tryout-pid";

const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8")) : undefined;
if (!pid) {
    console.log("no sandbox try-out is running");
    process.exit(0);
}
try {
    process.kill(pid, "SIGTERM");
} catch {
    console.log(`the try-out (pid ${pid}) is gone; removing its pid file`);
    fs.rmSync(pidFile, { force: true });
    process.exit(0);
}
const started = Date.now();
const timer = setInterval(() => {
    let alive = true;
    try {
        process.kill(pid, 0);
    } catch {
        alive = false;
    }
    if (!alive || Date.now() - started > 5 * 60 * 1000) {
        clearInterval(timer);
        console.log(alive ? `the try-out (pid ${pid}) is still stopping after 5 minutes` : "the sandbox is down");
        process.exit(alive ? 1 : 0);
    }
}, 500);
