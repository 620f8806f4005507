import * as os from "os";
import * as path from "path";

/** Where a running try-out records its pid, so `npm run sandbox:down` can stop it. */
export const pidFile = path.join(process.env.FLUX_PUSH_CACHE ?? path.join(os.homedir(), ".cache", "flux-push-sandbox"), "run", "tryout.pid");
