// Precompresses the built files (gzip and Brotli at their highest levels) next to each one, so the server sends
// them without compressing per request. index.html is small and never cached; it gets compressed copies too.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const compressible = /\.(js|css|html|svg|json|txt|map)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
    } else if (compressible.test(name)) {
      const bytes = readFileSync(path);
      writeFileSync(path + ".gz", gzipSync(bytes, { level: 9 }));
      writeFileSync(
        path + ".br",
        brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
      );
    }
  }
}

walk(process.argv[2] ?? "dist");
