/**
 * `npm run web`: serves web/dist (or --dir DIR) on 127.0.0.1 and prints the address. It sends
 * Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy, which make the page cross-origin
 * isolated (SharedArrayBuffer, so training runs on several threads); `--no-isolation` leaves them
 * out (one thread). `--port 0` takes a free port.
 */
import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { parseArgs } from "node:util";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".safetensors": "application/octet-stream",
  ".bin": "application/octet-stream",
};

export interface ServeOptions {
  dir: string;
  port: number;
  isolation: boolean;
}

/** A static file server for the page; resolves once it listens, with its address. */
export function serve(options: ServeOptions): Promise<{ server: Server; url: string }> {
  const root = resolve(options.dir);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    const file = normalize(join(root, path.endsWith("/") ? `${path}index.html` : path));
    const headers: Record<string, string> = { "Cache-Control": "no-store" };
    if (options.isolation) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
    }
    let size = -1;
    try {
      size = file.startsWith(root + sep) ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0 || request.method !== "GET") {
      response.writeHead(request.method === "GET" ? 404 : 405, { ...headers, "Content-Type": "text/plain" }).end(`${request.method} ${path}: not served`);
      return;
    }
    response.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": String(size) });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      resolvePromise({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({
    options: { dir: { type: "string", default: join(import.meta.dirname, "dist") }, port: { type: "string", default: "8137" }, "no-isolation": { type: "boolean", default: false } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`web: --port ${values.port} is not a port number`);
  const isolation = !values["no-isolation"];
  const { url } = await serve({ dir: values.dir, port, isolation });
  console.log(`elbo web: serving ${values.dir} at ${url} (${isolation ? "cross-origin isolated: COOP/COEP sent" : "not isolated: one thread"}); Ctrl-C stops`);
}
